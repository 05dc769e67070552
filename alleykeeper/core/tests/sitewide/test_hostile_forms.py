"""Every form a role reaches, posted with hostile values: no server error, a refusal that says why, no script
echoed unescaped, nothing outside the role's scope touched.

The forms are the POST forms (htmx's too) on the pages the crawl reaches (core/tests/sitewide/test_crawl.py, same demo
and outsiders) for the admin and the grid worker, plus the two public forms: a gate's visitor form and a
person's self-report link. Each form is read as a browser submits it (testkit.forms.post_forms), then posted
once per hostile value, each value in one field, the fields taken in turn so that every field and every kind
of value is tried. Each post runs in a savepoint rolled back after it, so every one starts from the demo as
loaded and the destructive ones (rotate a gate's token, release a case) leave nothing behind.
"""

import re
from collections import Counter
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import time_machine
from django.apps import apps
from django.core.cache import cache
from django.db import models, transaction
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.core.tests.sitewide import test_crawl
from alleykeeper.core.tests.sitewide.form_targets import (
    REVIEW_FORMS,
    open_task_target,
    public_target,
    review_target,
    roster_gate_target,
    staff_decision_target,
)
from alleykeeper.gates.access import gates_on_duty
from alleykeeper.gates.models import Gate, Shift
from alleykeeper.observation.models import ObservationCase
from alleykeeper.registry.models import Household
from testkit.crawl import DEMO_PERSONAS, CrawledPage, client_for, crawl, tables_written
from testkit.forms import post_forms

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
TEXT_VALUES = {
    "empty": "",
    "10k chars": "长" * 10_000,
    "NUL byte": "a\x00b",
    "script": SCRIPT,
    "SQL": "'; DROP TABLE x; --",
    "full-width digits": "１３８００１３８０００",
    "emoji": "😷🦠👍🏽",
}
NUMBER_VALUES = {"-1": "-1", "0": "0", "1e309": "1e309", "abc": "abc"}
DATE_VALUES = {"2020-02-30": "2020-02-30", "0000-01-01": "0000-01-01", "9999-12-31": "9999-12-31", "word": "yesterday"}
NOT_AN_OPTION = "not-an-option"
# Fields that name an object by id, and the outsiders' object (another street's community) each gets.
OUTSIDER_FIELDS = {
    "household": "household",
    "building": "building",
    "buildings": "building",
    "grid": "grid",
    "grids": "grid",
    "default_grid": "grid",
    "community": "community",
    "enclosure": "enclosure",
    "worker": "user",
    "assignee": "user",
    "residents": "resident",
    "leader": "user",
    "crew": "user",
    "gate": "gate",
    "recipient": "user",
    "cleaner": "user",
}
NUMBER_NAMES = {"temperature"}  # typed as text for the phone's decimal keypad
EVERY_TEXT_FIELD = "*"
# Forms that answer with results (a search): a 200 without a message is their normal answer.
RESULT_PAGES = {"registry:search"}

# Every form the crawl reaches, by the url name it posts to; a form the crawl starts to reach must be added.
GRID_WORKER_FORMS = [
    "accounts:password_change",
    "alerts:case",
    "alerts:mutes",
    "api:tokens",
    "gates:log_record",
    "observation:call",
    "observation:link",
    "observation:note",
    "observation:phone",
    "observation:request_assign",
    "observation:request_cancel",
    "observation:request_deliver",
    "observation:request_new",
    "pushlist:decide",
    "pushlist:export",
    "pushlist:outcome",
    "pushlist:reveal",
    "publicity:channel_edit",
    "publicity:channel_new",
    "publicity:distribute",
    "publicity:material_edit",
    "publicity:material_new",
    "publicity:sheet",
    "publicity:sheet_new",
    "publicity:withdraw",
    "registry:export",
    "registry:household_edit",
    "registry:household_new",
    "registry:resident_edit",
    "registry:resident_move",
    "registry:resident_new",
    "registry:resident_reveal",
    "registry:search",
    "reopening:apply",
    "reopening:call",
    "reopening:enterprise_edit",
    "reopening:enterprise_new",
    "reopening:export",
    "reopening:link_issue",
    "reopening:link_revoke",
    "reopening:material_upload",
    "reopening:open",
    "reopening:reveal",
    "reopening:report_enter",
    "reopening:slot_take",
    "reopening:staff",
    "screening:attempt",
    "screening:call",
    "screening:coverage_export",
]
# The visitor list's forms, reached by staff on duty at a gate (the grid worker's shift; an admin who manages
# the gate opens the list but has no registration to let in or flag).
ON_DUTY_FORMS = ["visitors:enter", "visitors:key_person"]
ADMIN_FORMS = [
    *GRID_WORKER_FORMS,
    "alerts:channel",
    "alerts:channel_test",
    "alerts:rule",
    "gates:enclosure_buildings",
    "gates:enclosure_edit",
    "gates:enclosure_new",
    "gates:gate_edit",
    "gates:gate_new",
    "gates:gate_rotate",
    "gates:log_export",
    "gates:roster_copy",
    "gates:roster_fill",
    "gates:shift_new",
    "gates:weekly_active",
    "gates:weekly_entry_new",
    "gates:weekly_generate",
    "maps:alley_lead",
    "maps:edit",
    "maps:import",
    "observation:case_open",
    "observation:clear_fever",
    "observation:escalate",
    "observation:extend",
    "observation:reassign",
    "observation:release",
    "observation:transfer",
    "pushlist:upload",
    "registry:grid_edit",
    "registry:import",
    "reports:correct",
    "reports:export",
    "reports:generate",
    "reports:regenerate",
    "reports:sign",
    "reopening:import",
    "reopening:reinspect",
    "reopening:slots_open",
    "sanitation:plan_edit",
    "sanitation:plan_new",
    "sanitation:task",
    "screening:campaign_edit",
    "screening:campaign_new",
    "screening:campaign_sync",
    "screening:question_toggle",
    "screening:questions",
    "supplies:correct",
    "supplies:draw",
    "supplies:item_edit",
    "supplies:item_new",
    "supplies:receive",
    "visitors:export",
]
PUBLIC_FORMS = [
    "visitors:register",
    "observation:self_report",
    "reopening:public",
    "reopening:public_staff",
    "reopening:public_slot",
    "reopening:public_report",
]
# The admin's forms on pages of the demo's roster gate (城北路口), which the crawl's first gates are not:
# opened directly (a line of its weekly roster; its week, whose shifts have people).
ROSTER_GATE_FORMS = ["gates:shift_cancel", "gates:weekly_entry_delete", "gates:weekly_entry_edit"]
FORMS = [("admin", r) for r in ADMIN_FORMS] + [("grid_worker", r) for r in GRID_WORKER_FORMS + ON_DUTY_FORMS]
FORMS += [("admin", r) for r in ROSTER_GATE_FORMS + list(REVIEW_FORMS)] + [("anonymous", r) for r in PUBLIC_FORMS]
# The admin's decision on a returning employee who blocks approval, on the one enterprise of the demo with one.
FORMS += [("admin", "reopening:staff_decide")]
# The forms whose pages are opened directly (form_targets.py), not looked for on the crawled pages.
OPENED_DIRECTLY = {*ROSTER_GATE_FORMS, *REVIEW_FORMS, "reopening:staff_decide", "sanitation:task"}


@dataclass
class Target:
    """One form: where it posts, what a browser sends unchanged, and its fields' kinds and options."""

    url: str
    data: dict[str, list[str]]
    kinds: dict[str, str]
    options: dict[str, list[str]]


def _target(page_url: str, html: str, route: str) -> Target | None:
    for form in post_forms(html):
        action = form.action or page_url
        if resolve(urlsplit(action).path).view_name != route:
            continue
        data: dict[str, list[str]] = {}
        # A click on its last named button: the gate log's first one only searches.
        for name, value in form.fields + form.buttons[-1:]:
            data.setdefault(name, []).append(value)
        kinds = {n: k for n, k in form.kinds.items() if n != "csrfmiddlewaretoken" and k != "file"}
        return Target(action, data, kinds, form.options)
    return None


@pytest.fixture(scope="module")
def reached(outsiders, site_crawls, django_db_blocker) -> dict[tuple[str, str], tuple[str, str, datetime | None]]:
    """(persona, url name) -> (page, its HTML, when) for the first page the crawl finds posting to that url
    name. The crawl is the site-wide one (conftest.py); if it misses a form of FORMS and the persona is not on
    duty now (the gate log opens only to staff on duty), the persona is crawled again in the middle of their
    next shift: `when` is that moment, else None."""
    found: dict[tuple[str, str], tuple[str, str, datetime | None]] = {}
    with django_db_blocker.unblock():
        for persona in ("admin", "grid_worker"):
            _forms_on(site_crawls[persona].pages, persona, None, found)
            missed = {(p, r) for p, r in FORMS if p == persona and r not in OPENED_DIRECTLY} - set(found)
            if missed and (shift_middle := _next_shift_middle(persona)):
                with time_machine.travel(shift_middle):
                    pages = crawl(client_for(persona)).pages
                _forms_on(pages, persona, shift_middle, found)
    return found


def _forms_on(pages: list[CrawledPage], persona: str, when: datetime | None, found: dict) -> None:
    for page in pages:
        if page.status != 200 or page.download:
            continue
        for form in post_forms(page.html):
            route = resolve(urlsplit(form.action or page.url).path).view_name
            found.setdefault((persona, route), (page.url, page.html, when))


def _at(when: datetime | None) -> AbstractContextManager:
    return time_machine.travel(when) if when else nullcontext()


def _next_shift_middle(persona: str) -> datetime | None:
    """The middle of the persona's next shift, when they are not on duty now."""
    user = User.objects.get(username=DEMO_PERSONAS[persona])
    now = timezone.now()
    if gates_on_duty(user, now).exists():
        return None
    shift = Shift.objects.filter(members__user=user, starts_at__gt=now).order_by("starts_at").first()
    return shift.starts_at + (shift.ends_at - shift.starts_at) / 2 if shift else None


def _hostile_values(target: Target, name: str, outsider_ids: dict[str, int]) -> dict[str, str]:
    """The hostile values that fit a field: text for every field; numbers, dates, a foreign option and an
    outsider's id where they fit."""
    kind, now = target.kinds[name], (target.data.get(name) or [""])[0]
    values = dict(TEXT_VALUES)
    if kind == "number" or name in NUMBER_NAMES or re.fullmatch(r"-?\d+(\.\d+)?", now):
        values.update(NUMBER_VALUES)
    if kind in ("date", "datetime-local") or re.match(r"\d{4}-\d{2}-\d{2}", now):
        values.update(DATE_VALUES)
    if kind == "choice":
        values["not an option"] = NOT_AN_OPTION
    if name in OUTSIDER_FIELDS:
        values["outsider's id"] = str(outsider_ids[OUTSIDER_FIELDS[name]])
    return values


def plan(target: Target, outsider_ids: dict[str, int]) -> list[tuple[str, str, str]]:
    """(field, value kind, value): each kind of value once, in the field that has had the fewest so far, then
    a text value for every field still untouched; last, a NUL byte in every field typed in at once (PostgreSQL
    refuses NUL in text: one field that skips the form's check is a 500 there)."""
    fields = list(target.kinds)
    values = {name: _hostile_values(target, name, outsider_ids) for name in fields}
    kinds = list(dict.fromkeys(kind for name in fields for kind in values[name]))
    used, chosen = Counter(), []
    for kind in kinds:
        name = min((n for n in fields if kind in values[n]), key=lambda n: (used[n], fields.index(n)))
        used[name] += 1
        chosen.append((name, kind, values[name][kind]))
    text_kinds = list(TEXT_VALUES)
    for i, name in enumerate(n for n in fields if not used[n]):
        kind = text_kinds[(i + len(kinds)) % len(text_kinds)]
        chosen.append((name, kind, TEXT_VALUES[kind]))
    return [*chosen, (EVERY_TEXT_FIELD, "NUL byte", TEXT_VALUES["NUL byte"])]


class _Messages(HTMLParser):
    """The text of the visible elements that tell the user something went wrong: role="alert", or class
    error / errors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if self._depth:
            self._depth += tag not in ("br", "img", "input", "meta", "link", "hr")
        elif "hidden" not in a and (a.get("role") == "alert" or {"error", "errors"} & set(a.get("class", "").split())):
            self._depth = 1

    def handle_endtag(self, tag: str) -> None:
        self._depth = max(self._depth - 1, 0) if self._depth else 0

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.text.append(data.strip())


def shows_a_message(html: str) -> bool:
    reader = _Messages()
    reader.feed(html)
    reader.close()
    return any(reader.text)


def _outsider_objects(outsider: test_crawl.Outsiders) -> dict[type[models.Model], list[int]]:
    household = outsider.household
    gate = Gate.objects.select_related("enclosure").get(pk=outsider.gate_pk)
    return {
        Household: [household.pk],
        type(household.building): [household.building_id],
        type(household.building.alley): [household.building.alley_id],
        type(household.grid): [household.grid_id],
        type(household.community): [household.community_id],
        type(gate.enclosure): [gate.enclosure_id],
        Gate: [gate.pk],
        type(household.residents.get()): list(household.residents.values_list("pk", flat=True)),
        ObservationCase: [outsider.case.pk],
        User: list(User.objects.filter(communities=household.community).values_list("pk", flat=True)),
    }


def outsiders_fingerprint(objects: dict[type[models.Model], list[int]]) -> dict:
    """The outsiders' rows as stored, and how many rows of every table point at them."""
    print_ = {model.__name__: list(model._base_manager.filter(pk__in=pks).values()) for model, pks in objects.items()}
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if (f.many_to_one or f.many_to_many) and f.concrete and f.related_model in objects:
                count = model._base_manager.filter(**{f"{f.name}__in": objects[f.related_model]}).count()
                print_[f"{model.__name__}.{f.name}"] = count
    return print_


def outsider_ids(outsider: test_crawl.Outsiders) -> dict[str, int]:
    household = outsider.household
    return {
        "household": household.pk,
        "building": household.building_id,
        "grid": household.grid_id,
        "community": household.community_id,
        "enclosure": Gate.objects.get(pk=outsider.gate_pk).enclosure_id,
        "user": User.objects.get(username="xinhua_admin").pk,
        "resident": household.residents.get().pk,
        "gate": outsider.gate_pk,
    }


def attack(client: Client, route: str, target: Target, name: str, kind: str, value: str, outsider) -> list[str]:
    """Post the form with one field hostile, in a savepoint rolled back after; what went wrong."""
    if name == EVERY_TEXT_FIELD:
        data = {**target.data, **{n: [value] for n, k in target.kinds.items() if k != "choice"}}
    else:
        data = {**target.data, name: [value]}
    objects = _outsider_objects(outsider) if kind == "outsider's id" else None
    problems: list[str] = []
    with transaction.atomic():
        before = outsiders_fingerprint(objects) if objects else None
        cache.clear()  # rate limits and one-off keys live in the cache
        try:
            with tables_written() as writes:
                response = client.post(target.url, data)
            bodies = [response.getvalue().decode(errors="replace")]
            if response.status_code in (301, 302, 303) and response["Location"].startswith("/"):
                shown = client.get(response["Location"])  # where the saved value is shown
                bodies.append(shown.getvalue().decode(errors="replace"))
                if shown.status_code >= 500:
                    problems.append(f"the page after the save answers {shown.status_code}")
        except Exception as error:  # the test client re-raises a view's exception: that is a 500
            problems.append(f"500: {type(error).__name__}: {str(error)[:200]}")
        else:
            status = response.status_code
            if status >= 500:
                problems.append(f"answers {status}")
            if any(SCRIPT in body for body in bodies):
                problems.append("shows the script unescaped")
            html = response.get("Content-Type", "").startswith("text/html")
            refused = status == 400 or (status == 200 and not writes and route not in RESULT_PAGES)
            if refused and html:
                if not shows_a_message(bodies[0]):
                    problems.append(f"answers {status} without a message")
            if before is not None and outsiders_fingerprint(objects) != before:
                problems.append(f"answers {status} and changed the other community's data")
        transaction.set_rollback(True)
    return [f"{route} {name}={kind}: {problem}" for problem in problems]


@pytest.mark.parametrize(("persona", "route"), FORMS, ids=[f"{persona}-{route}" for persona, route in FORMS])
def test_hostile_values_are_refused_or_kept_harmless(persona, route, reached, outsiders):
    """Found so far: a 10,000-character gate-log search refused with no message, and a shift dated
    9999-12-31 that overflowed (500); both fixed."""
    if persona == "anonymous":
        page, html, when = *public_target(route, outsiders.household), None
    elif route in ROSTER_GATE_FORMS:
        page, html, when = *roster_gate_target(route), None
    elif route in REVIEW_FORMS:
        page, html, when = *review_target(route), None
    elif route == "reopening:staff_decide":
        page, html, when = *staff_decision_target(), None
    elif route == "sanitation:task":
        page, html, when = *open_task_target(), None
    else:
        assert (persona, route) in reached, f"the crawl no longer reaches a form posting to {route}"
        page, html, when = reached[(persona, route)]
    target = _target(page, html, route)
    client = client_for(persona)
    problems = []
    with _at(when):
        for name, kind, value in plan(target, outsider_ids(outsiders)):
            problems += attack(client, route, target, name, kind, value, outsiders)
    assert not problems, "\n".join(problems)


def test_every_form_reached_is_attacked(reached):
    assert sorted(set(reached) - set(FORMS)) == [("admin", "accounts:logout"), ("grid_worker", "accounts:logout")]


def test_message_finder():
    assert shows_a_message('<div class="errors" role="alert"><p>请修改</p></div>')
    assert shows_a_message('<ul><li class="message error" role="status">没有权限</li></ul>')
    assert not shows_a_message('<p class="message error" role="alert" hidden>网络不通</p><p class="help">x</p>')
    assert not shows_a_message('<p role="alert"></p>')
