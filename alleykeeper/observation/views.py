"""Observation pages for staff: today, the case list, opening cases, a case, recording a call."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from alleykeeper.accounts.roles import Capability, Role
from alleykeeper.core.paging import int_or_none, page_after
from alleykeeper.observation import access, schedule
from alleykeeper.observation.actions import CaseError, CaseTerms, Person, open_cases
from alleykeeper.observation.followups import current_slot_of, fever_threshold, record_followup
from alleykeeper.observation.forms import CallForm, NoteForm, OpenCasesForm, RevealPhoneForm
from alleykeeper.observation.models import (
    OPEN_STATUSES,
    CaseStatus,
    FeverState,
    ObservationCase,
    Reason,
    RequestStatus,
)
from alleykeeper.observation.today import build_today
from alleykeeper.registry.models import Household
from alleykeeper.screening.models import KeyPerson, KeyPersonStatus

PAGE_SIZE = 50


@login_required
def today(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.FOLLOW_UP)
    everyone = request.user.can(Capability.MANAGE_OBSERVATION) and request.GET.get("mine") != "1"
    data = build_today(request.user, timezone.now(), everyone=everyone)
    context = {
        "day": data,
        "everyone": everyone,
        "can_manage": request.user.can(Capability.MANAGE_OBSERVATION),
        # Row links are built from these prefixes: one reverse() per page instead of one per row.
        "cases_url": reverse("observation:cases"),
        "requests_url": reverse("observation:request", args=[0]).removesuffix("0/"),
    }
    return render(request, "observation/today.html", context)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.FOLLOW_UP)
    status = request.GET.get("status", "open")
    cases = ObservationCase.objects.visible_to(request.user).select_related(
        "household__building__alley", "household__unit", "assigned_worker"
    )
    if status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif status in CaseStatus.values:
        cases = cases.filter(status=status)
    if request.GET.get("mine") == "1":
        cases = cases.filter(assigned_worker=request.user)
    page = page_after(cases, request.GET.get("after"), PAGE_SIZE, order=("planned_end", "pk"), tag="cases")
    query = "".join(f"{k}={request.GET[k]}&" for k in ("status", "mine") if request.GET.get(k))
    context = {
        "page": page,
        "query": query,
        "status": status,
        "statuses": [("open", "进行中"), *CaseStatus.choices, ("all", "全部")],
        "can_manage": request.user.can(Capability.MANAGE_OBSERVATION),
        "today": schedule.local_date(timezone.now()),
    }
    return render(request, "observation/case_list.html", context)


def _opening_targets(request: HttpRequest) -> tuple[Household | None, KeyPerson | None]:
    key_person = None
    if pk := int_or_none(request.GET.get("key_person")):
        key_person = access.key_person_for(request.user, pk)
    household = None
    if pk := int_or_none(request.GET.get("household")):
        household = access.household_for(request.user, pk)
    elif key_person is not None:
        household_id = key_person.household_id or (key_person.resident.household_id if key_person.resident else None)
        household = access.household_for(request.user, household_id) if household_id else None
    return household, key_person


def _initial_from_key_person(key_person: KeyPerson | None) -> dict:
    if key_person is None:
        return {}
    initial = {"reason": Reason.KEY_AREA, "day_zero_basis": "arrival", "origin": key_person.origin_id}
    if key_person.contact_note and not key_person.origin_id:
        initial.update(reason=Reason.CLOSE_CONTACT, day_zero_basis="last_exposure")
    if key_person.arrival_date:
        initial["day_zero"] = key_person.arrival_date
    if key_person.resident_id:
        initial["residents"] = [key_person.resident_id]
    return initial


@login_required
def case_open(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.MANAGE_OBSERVATION)
    household, key_person = _opening_targets(request)
    if household is None:
        context = {
            "key_person": key_person,
            "key_persons": KeyPerson.objects.visible_to(request.user)
            .filter(status=KeyPersonStatus.NEW)
            .select_related("household__building__alley", "origin")
            .order_by("-created_at")[:50],
            "households": Household.objects.visible_to(request.user)
            .select_related("building__alley", "unit", "grid")
            .order_by("grid", "building_id", "room")[:2000],
        }
        return render(request, "observation/case_choose.html", context)
    busy = ObservationCase.objects.filter(status__in=OPEN_STATUSES).values("resident_id")
    residents = household.residents.exclude(pk__in=busy).order_by("relation", "id")
    workers = access.workers_for(household)
    # The grid's own worker by default: the one who will make the calls.
    default_worker = workers.filter(role=Role.GRID_WORKER).first()
    initial = {"assigned_worker": default_worker.pk if default_worker else None, "reason": Reason.KEY_AREA}
    initial |= {"day_zero_basis": "arrival"} | _initial_from_key_person(key_person)
    form = OpenCasesForm(
        request.POST or None, residents=residents, workers=workers, key_person=key_person, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = _people(list(data["residents"]), key_person, data.get("include_key_person", False))
        terms = CaseTerms(
            reason=data["reason"],
            reason_note=data["reason_note"],
            origin=data["origin"],
            day_zero_basis=data["day_zero_basis"],
            day_zero=data["day_zero"],
            started_on=data["started_on"],
            assigned_worker=data["assigned_worker"],
        )
        try:
            cases = open_cases(request.user, household, people, terms)
        except CaseError as error:
            form.add_error(None, str(error))
        else:
            names = "、".join(case.name for case in cases)
            messages.success(request, f"已为 {names} 开始居家观察，计划 {cases[0].planned_end:%m月%d日} 解除。")
            if cases[0].planned_end <= schedule.local_date(timezone.now()):
                messages.warning(request, "按第0天计算观察期已满，请核实后办理解除。")
            if len(cases) == 1:
                return redirect("observation:case", cases[0].pk)
            return redirect("observation:household", household.pk)
    context = {
        "form": form,
        "nobody_left": not residents.exists() and "include_key_person" not in form.fields,
        "household": household,
        "key_person": key_person,
        "observation_days": settings.OBSERVATION_DAYS,
    }
    return render(request, "observation/case_open.html", context)


def _people(residents: list, key_person: KeyPerson | None, include_key_person: bool) -> list[Person]:
    """Residents chosen, each linked to their key-person record when there is one."""
    records = {
        kp.resident_id: kp
        for kp in KeyPerson.objects.filter(resident__in=residents).exclude(
            status__in=[KeyPersonStatus.CLEARED, KeyPersonStatus.TRANSFERRED]
        )
    }
    if key_person is not None and key_person.resident_id:
        records[key_person.resident_id] = key_person
    people = [Person(r.name, resident=r, key_person=records.get(r.pk)) for r in residents]
    if key_person is not None and key_person.resident_id is None and include_key_person:
        people.append(Person(key_person.name, key_person=key_person))
    return people


@login_required
def household_cases(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.FOLLOW_UP)
    household = access.household_for(request.user, pk)
    cases = (
        ObservationCase.objects.visible_to(request.user).filter(household=household).select_related("assigned_worker")
    )
    return render(request, "observation/household.html", {"household": household, "cases": cases})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.case_for(request.user, pk)
    now = timezone.now()
    slots = list(case.slots.filter(due_at__lte=now + timedelta(days=1)).order_by("-due_at")[:8])
    context = {
        "case": case,
        "day": schedule.observation_day(case.day_zero, now),
        "days": (case.planned_end - case.day_zero).days,
        "slots": slots,
        "followups": case.followups.select_related("recorded_by").order_by("-recorded_at", "-id")[:30],
        "requests": case.requests.select_related("assignee").order_by("-requested_at", "-id")[:20],
        "notes": case.notes.select_related("author")[:30],
        "note_form": NoteForm(),
        "reveal_form": RevealPhoneForm(),
        "can_manage": request.user.can(Capability.MANAGE_OBSERVATION),
        "can_reveal": request.user.can(Capability.REVEAL_IDENTITY),
        "proposed_release": case.is_open and case.planned_end <= schedule.local_date(now),
    }
    return render(request, "observation/case.html", context)


@login_required
def case_call(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.case_for(request.user, pk)
    if not case.is_open:
        messages.warning(request, "这个观察已经结束，不能再登记随访；可以在下方添加备注。")
        return redirect("observation:case", case.pk)
    now = timezone.now()
    delivered = list(case.requests.filter(status=RequestStatus.DELIVERED).order_by("delivered_at"))
    form = CallForm(request.POST or None, delivered=delivered)
    if request.method == "POST" and form.is_valid():
        report = form.report()
        try:
            followup = record_followup(request.user, case, report)
        except CaseError as error:
            form.add_error(None, str(error))
        else:
            _after_call_messages(request, case, followup)
            if request.POST.get("next") == "case":
                return redirect("observation:case", case.pk)
            return redirect("observation:today")
    context = {
        "case": case,
        "form": form,
        "slot": current_slot_of(case, now),
        "day": schedule.observation_day(case.day_zero, now),
        "retest": case.fever_state == FeverState.RETEST_DUE,
        "threshold": fever_threshold(),
        "next": "case" if (request.POST.get("next") or request.GET.get("next")) == "case" else "",
        "can_reveal": request.user.can(Capability.REVEAL_IDENTITY),
    }
    return render(request, "observation/call.html", context)


def _after_call_messages(request: HttpRequest, case: ObservationCase, followup) -> None:
    if not followup.reached:
        messages.warning(request, f"{case.name}：未接通，已记一次。请稍后再打。")
        return
    case.refresh_from_db(fields=["fever_state", "retest_due_at"])
    if case.fever_state == FeverState.RETEST_DUE:
        due = timezone.localtime(case.retest_due_at)
        messages.error(request, f"{case.name} 体温 {followup.temperature} ℃，请在 {due:%H:%M} 前复测。")
    elif case.fever_state == FeverState.FEVER and followup.is_fever:
        messages.error(request, f"{case.name} 复测仍发热（{followup.temperature} ℃），请立即报告社区并办理上报。")
    else:
        messages.success(request, f"已记录 {case.name} 的随访。")
    if followup.flags:
        messages.warning(request, "这次上报有存疑之处：" + "、".join(followup.flag_labels()) + "，请核实。")
    if followup.needs:
        messages.info(request, "已生成配送需求，请在“今日”中派单。")
