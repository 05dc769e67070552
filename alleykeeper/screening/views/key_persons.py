"""Key persons (重点人员): the list home observation starts from, and one person's record."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from alleykeeper.accounts.roles import Capability
from alleykeeper.core.paging import int_or_none, page_after
from alleykeeper.places.models import Division
from alleykeeper.registry.models import Grid
from alleykeeper.screening import access
from alleykeeper.screening.models import Answer, KeyPerson, KeyPersonSource, KeyPersonStatus
from alleykeeper.screening.questionnaire import answer_label

PAGE_SIZE = 50
PUSH_CHOICES = {"yes": "在推送名单中", "no": "本地发现、不在推送名单"}


@login_required
def key_person_list(request: HttpRequest) -> HttpResponse:
    access.require_any(request.user, Capability.VIEW_KEY_PERSONS)
    people = KeyPerson.objects.visible_to(request.user).select_related(
        "origin__parent__parent", "grid", "household__building__alley", "household__unit"
    )
    status, source = request.GET.get("status", ""), request.GET.get("source", "")
    grid_id = int_or_none(request.GET.get("grid"))
    if status in KeyPersonStatus.values:
        people = people.filter(status=status)
    if source in KeyPersonSource.values:
        people = people.filter(source=source)
    if grid_id:
        people = people.filter(grid_id=grid_id)
    # "no": found locally but on no push list, to be reported upward (pushlist's report, the home's alert).
    push = request.GET.get("push", "")
    if push in PUSH_CHOICES:
        people = people.filter(on_push_list=push == "yes")
    page = page_after(people, request.GET.get("after"), PAGE_SIZE, order=("-created_at", "-pk"), tag="key_persons")
    filters = (
        ("status", status),
        ("source", source),
        ("grid", grid_id or ""),
        ("push", push if push in PUSH_CHOICES else ""),
    )
    query = "".join(f"{k}={v}&" for k, v in filters if v)
    context = {
        "page": page,
        "query": query,
        "statuses": KeyPersonStatus.choices,
        "sources": KeyPersonSource.choices,
        "grids": Grid.objects.visible_to(request.user),
        "push_choices": PUSH_CHOICES.items(),
        "selected": {"status": status, "source": source, "grid": grid_id, "push": push},
    }
    return render(request, "screening/key_persons.html", context)


@login_required
def key_person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_any(request.user, Capability.VIEW_KEY_PERSONS)
    person = access.key_person_for(request.user, pk)
    answers = []
    if person.resident_id:
        rows = list(
            Answer.objects.filter(resident_id=person.resident_id)
            .filter(Q(attempt__campaign__community_id=person.community_id))
            .select_related("question", "attempt__campaign", "attempt__worker")
            .order_by("-attempt__at", "question__order")[:60]
        )
        codes = {a.value for a in rows if a.question.kind == "division"}
        divisions = {d.code: d for d in Division.objects.filter(code__in=codes).select_related("parent__parent")}
        answers = [(a, answer_label(a.question, a.value, divisions)) for a in rows]
    cases = _observation_cases(person, request.user)
    context = {
        "person": person,
        "answers": answers,
        "observation_cases": cases,
        "open_case_url": _open_case_url(request.user, person, cases),
    }
    return render(request, "screening/key_person.html", context)


def _observation_cases(person: KeyPerson, user) -> list[tuple[object, str]]:
    """Home observation cases opened from this key person (observation's Case.key_person), with their pages.
    Looked up by name so that this page works whether or not the observation app ships its pages yet."""
    related = getattr(person, "observation_cases", None)
    if related is None:
        return []
    cases = []
    for case in related.visible_to(user):
        try:
            url = reverse("observation:case", args=[case.pk])
        except NoReverseMatch:
            url = ""
        cases.append((case, url))
    return cases


def _open_case_url(user, person: KeyPerson, cases: list) -> str:
    """The explicit hand-over to home observation: open a case from this key person."""
    if person.status != KeyPersonStatus.NEW or cases or not user.can(Capability.MANAGE_OBSERVATION):
        return ""
    try:
        return reverse("observation:case_open") + f"?key_person={person.pk}"
    except NoReverseMatch:
        return ""
