"""How the records behind a figure are listed: one presenter per records model, masked values only.

Names are shown (the viewer's own scope); ID numbers and phones only in their stored masked form. Each row
links to the record's own page when the viewer may open it (the same capability that page checks), so a
list never offers a link that answers 403 or 404.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.urls import reverse
from django.utils import timezone

from alleykeeper.accounts.roles import Capability
from alleykeeper.gates.models import Gate, GateLogEntry
from alleykeeper.observation.models import FollowUpSlot, ObservationCase
from alleykeeper.publicity.models import Distribution
from alleykeeper.pushlist.models import PushedPerson
from alleykeeper.registry.models import Building, Household, Resident
from alleykeeper.reopening.models import Application, Enterprise, ReturningStaff
from alleykeeper.reports.measures import local_zone
from alleykeeper.sanitation.models import DisinfectionTask
from alleykeeper.screening.models import KeyPerson
from alleykeeper.supplies.models import SupplyItem, amount_text
from alleykeeper.visitors.models import Registration


@dataclass(frozen=True)
class Row:
    title: str
    details: list[str]
    url: str | None


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment, local_zone()).strftime("%m-%d %H:%M") if moment else ""


def _address(household: Household | None) -> str:
    return household.address if household is not None else ""


def _link(user, capabilities: tuple[str, ...], route: str, pk: int | None) -> str | None:
    if pk is None or not any(user.can(c) for c in capabilities):
        return None
    return reverse(route, args=[pk])


ADDRESS = ("building__alley", "unit")


@dataclass(frozen=True)
class Presenter:
    related: tuple[str, ...]  # select_related: a fixed number of queries per page
    row: Callable[[object, object], Row]  # (record, user) -> Row


def _household(h: Household, user) -> Row:
    return Row(
        h.address,
        [h.grid.name, h.get_kind_display()],
        _link(user, (Capability.VIEW_REGISTER,), "registry:household", h.pk),
    )


def _resident(r: Resident, user) -> Row:
    details = [_address(r.household), r.doc_number_masked, r.phone_masked]
    return Row(
        r.name,
        [d for d in details if d],
        _link(user, (Capability.VIEW_REGISTER,), "registry:household", r.household_id),
    )


def _key_person(p: KeyPerson, user) -> Row:
    details = [p.get_source_display(), p.get_status_display(), _address(p.household) or (p.grid.name if p.grid else "")]
    if p.arrival_date:
        details.append(f"{p.arrival_date:%m-%d} 抵达")
    details.append(p.doc_number_masked)
    return Row(
        p.name, [d for d in details if d], _link(user, (Capability.VIEW_KEY_PERSONS,), "screening:key_person", p.pk)
    )


CASE_PAGE = (Capability.FOLLOW_UP, Capability.MANAGE_OBSERVATION)


def _case(c: ObservationCase, user) -> Row:
    details = [
        _address(c.household),
        f"{c.started_on:%m-%d} 开始，计划 {c.planned_end:%m-%d} 解除",
        c.get_status_display(),
        c.phone_masked,
    ]
    if c.closed_at:
        details.append(f"{_when(c.closed_at)} {c.get_status_display()}")
    return Row(c.name, [d for d in details if d], _link(user, CASE_PAGE, "observation:case", c.pk))


def _slot(s: FollowUpSlot, user) -> Row:
    details = [f"应随访 {_when(s.due_at)}", _address(s.case.household), s.get_status_display()]
    return Row(s.case.name, details, _link(user, CASE_PAGE, "observation:case", s.case_id))


def _pushed(p: PushedPerson, user) -> Row:
    details = [
        f"{p.batch.received_on:%m-%d} 名单第 {p.row_number} 行",
        p.get_outcome_display() or "待核实",
        p.doc_number_masked,
        p.phone_masked,
    ]
    return Row(
        p.name, [d for d in details if d], _link(user, (Capability.RECONCILE_PUSH_LIST,), "pushlist:person", p.pk)
    )


def _registration(r: Registration, user) -> Row:
    details = [_when(r.created_at), r.gate.name, f"来自 {r.origin.name}", r.doc_number_masked, r.key_area_names]
    return Row(r.name, [d for d in details if d], _link(user, (Capability.MANAGE_GATES,), "visitors:live", r.gate_id))


def _gate_entry(e: GateLogEntry, user) -> Row:
    who = e.resident.name if e.resident_id else e.plate or e.visitor_code or e.get_kind_display()
    details = [_when(e.at), e.gate.name, f"{e.get_kind_display()}{e.get_direction_display()}", *e.flag_labels]
    if e.temperature is not None:
        details.append(f"{e.temperature} ℃")
    return Row(who, details, _link(user, (Capability.MANAGE_GATES,), "gates:log", e.gate_id))


def _gate(g: Gate, user) -> Row:
    return Row(
        g.name,
        [g.enclosure.name, g.get_state_display(), g.hours_label],
        _link(user, (Capability.MANAGE_GATES,), "gates:gate", g.pk),
    )


SEE_ENTERPRISE = (Capability.VIEW_REOPENING,)


def masked_name(name: str) -> str:
    """A returning employee's name outside the enterprise's own pages: the family name only (黄**)."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _enterprise(e: Enterprise, user) -> Row:
    details = [e.grid.name, e.address, e.get_state_display()]
    if e.opened_on:
        details.append(f"{e.opened_on:%m-%d} 复工")
    return Row(e.name, [d for d in details if d], _link(user, SEE_ENTERPRISE, "reopening:enterprise", e.pk))


def _application(a: Application, user) -> Row:
    details = [a.get_status_display(), a.enterprise.grid.name, f"{_when(a.submitted_at)} 提交"]
    if a.slot_id:
        details.append(f"错峰复工 {a.slot.day:%m-%d} {a.slot.place}")
    else:
        details.append(f"计划 {a.planned_date:%m-%d} 复工")
    return Row(a.enterprise.name, details, _link(user, SEE_ENTERPRISE, "reopening:application", a.pk))


def _returning(p: ReturningStaff, user) -> Row:
    reasons = "；".join(f.get("text", "") for f in p.blocking_findings())
    details = [p.enterprise.name, f"自 {p.origin.name} 返回，{p.returned_on:%m-%d}", reasons]
    return Row(
        masked_name(p.name),
        [d for d in details if d],
        _link(user, SEE_ENTERPRISE, "reopening:staff", p.enterprise_id),
    )


def _distribution(d: Distribution, user) -> Row:
    details = [_when(d.at), d.material.title]
    if d.reach is not None:
        details.append(f"覆盖 {d.reach} {d.get_reach_unit_display()}")
    if d.by_id:
        details.append(d.by.display_name)
    return Row(d.where, details, _link(user, (Capability.VIEW_PUBLICITY,), "publicity:material", d.material_id))


def _building(b: Building, user) -> Row:
    return Row(
        f"{b.alley.name}{b.name}",
        [b.alley.grid.name],
        _link(user, (Capability.VIEW_REGISTER,), "registry:building", b.pk),
    )


def _task(t: DisinfectionTask, user) -> Row:
    details = [
        f"应完成 {_when(t.due_at)}",
        f"完成 {_when(t.done_at)}" if t.done_at else "未完成",
        t.get_source_display(),
    ]
    return Row(str(t.place), details, _link(user, (Capability.MANAGE_SANITATION,), "sanitation:place", t.place_id))


def _supply_item(i: SupplyItem, user) -> Row:
    details = [f"现有 {i.on_hand_text} {i.unit}", f"提醒线 {amount_text(i.low_threshold)} {i.unit}"]
    return Row(i.name, details, _link(user, (Capability.MANAGE_SUPPLIES,), "supplies:item", i.pk))


PRESENTERS: dict[type[models.Model], Presenter] = {
    Household: Presenter(("grid", *ADDRESS), _household),
    Resident: Presenter(tuple(f"household__{p}" for p in ADDRESS), _resident),
    KeyPerson: Presenter(("grid", *(f"household__{p}" for p in ADDRESS)), _key_person),
    ObservationCase: Presenter(tuple(f"household__{p}" for p in ADDRESS), _case),
    FollowUpSlot: Presenter(tuple(f"case__household__{p}" for p in ADDRESS), _slot),
    PushedPerson: Presenter(("batch",), _pushed),
    Registration: Presenter(("gate", "origin"), _registration),
    GateLogEntry: Presenter(("gate", "resident"), _gate_entry),
    Gate: Presenter(("enclosure",), _gate),
    Enterprise: Presenter(("grid", "building__alley"), _enterprise),
    Application: Presenter(("enterprise__grid", "slot"), _application),
    ReturningStaff: Presenter(("enterprise", "origin"), _returning),
    Distribution: Presenter(("material", "channel", "building__alley", "alley", "by"), _distribution),
    Building: Presenter(("alley__grid",), _building),
    DisinfectionTask: Presenter(("place__building__alley", "place__gate", "place__alley"), _task),
    SupplyItem: Presenter((), _supply_item),
}
