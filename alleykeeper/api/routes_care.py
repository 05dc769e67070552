"""Screening, push lists and home observation through the API: the same access functions as the pages."""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from alleykeeper.accounts.roles import Capability
from alleykeeper.api.auth import require_write
from alleykeeper.api.errors import ERRORS, ActionRefused, FormInvalid
from alleykeeper.api.forms import form_data
from alleykeeper.api.listing import MAX_ID, add_resource
from alleykeeper.observation import access as observation_access
from alleykeeper.observation.actions import CaseError
from alleykeeper.observation.followups import record_followup
from alleykeeper.observation.forms import CallForm
from alleykeeper.observation.models import FollowUp, ObservationCase, RequestStatus
from alleykeeper.pushlist import access as pushlist_access
from alleykeeper.pushlist.models import PushBatch, PushedPerson
from alleykeeper.screening import access as screening_access
from alleykeeper.screening import actions as screening_actions
from alleykeeper.screening.answers import NEW_PERSON_SLOTS, AttemptForm
from alleykeeper.screening.models import Attempt, KeyPerson

router = Router(tags=["排查、推送名单、居家观察"])
MASKED = "（已遮蔽）"


class KeyPersonOut(Schema):
    id: int
    community_id: int
    grid_id: int | None
    household_id: int | None
    resident_id: int | None
    name: str
    doc_number: str = Field(alias="doc_number_masked", description="证件号码" + MASKED)
    phone: str = Field(alias="phone_masked", description="电话" + MASKED)
    origin_id: int | None
    arrival_date: date | None
    source: str
    on_push_list: bool
    status: str
    created_at: datetime
    updated_at: datetime


class AttemptOut(Schema):
    id: int
    campaign_id: int
    household_id: int
    worker_id: int
    at: datetime
    channel: str
    outcome: str
    note: str


class BatchOut(Schema):
    id: int
    community_id: int
    received_on: date
    source: str
    status: str
    row_count: int
    imported_count: int
    created_at: datetime
    imported_at: datetime | None
    updated_at: datetime


class PushedPersonOut(Schema):
    id: int
    batch_id: int
    community_id: int
    row_number: int
    name: str
    doc_number: str = Field(alias="doc_number_masked", description="证件号码" + MASKED)
    phone: str = Field(alias="phone_masked", description="电话" + MASKED)
    arrival_date: date | None
    match_state: str = Field(description="比对状态")
    match_rule: str
    match_confidence: int
    resident_id: int | None
    key_person_id: int | None
    household_id: int | None
    grid_id: int | None
    outcome: str = Field(description="核查结果；空：尚未核查")
    outcome_at: datetime | None
    updated_at: datetime


class CaseOut(Schema):
    id: int
    community_id: int
    grid_id: int
    household_id: int
    resident_id: int | None
    key_person_id: int | None
    name: str
    phone: str = Field(alias="phone_masked", description="电话" + MASKED)
    reason: str
    day_zero_basis: str
    day_zero: date
    started_on: date
    planned_end: date
    assigned_worker_id: int
    status: str
    fever_state: str
    last_temperature: Decimal | None
    last_followup_at: datetime | None
    closed_at: datetime | None
    opened_at: datetime
    updated_at: datetime


class FollowUpOut(Schema):
    id: int
    case_id: int
    channel: str
    reached: bool
    temperature: Decimal | None
    symptoms: list[str]
    mood: str
    needs: list[str]
    note: str
    is_retest: bool
    is_fever: bool
    flagged: bool
    recorded_by_id: int | None
    recorded_at: datetime


class FollowUpIn(Schema):
    """The body of a follow-up call: the fields of the page's call form (observation.forms.CallForm)."""

    reached: bool = Field(True, description="是否接通")
    temperature: str | None = Field(None, max_length=10, description="体温（℃），接通时必填，如 36.5")
    symptoms: list[str] = Field([], description="症状，可多选")
    mood: str = ""
    needs: list[str] = Field([], description="需要代购/配送")
    needs_note: str = ""
    note: str = ""


class PersonAnswersIn(Schema):
    """One person's answers in a screening attempt: a resident of the household (resident_id), or someone found
    at the door who is not in the register (name, phone: added to the register like on the page)."""

    resident_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="本户居民的编号；不填表示台账中没有的人（须填 name）"
    )
    name: str = Field("", max_length=50, description="台账中没有的人的姓名")
    phone: str = Field("", max_length=30, description="台账中没有的人的电话（可不填）")
    all_no: bool = Field(False, description="三问均否")
    answers: dict[int, str] = Field(
        {},
        description="问题编号 → 答案：是否题 yes/no，日期 YYYY-MM-DD，地区题填行政区划代码（如 420100），选择题填选项",
    )


class AttemptIn(Schema):
    """The body of a screening attempt: the fields of the page's form (screening.answers.AttemptForm), the
    answers per person included."""

    channel: str = Field(description="方式：phone 电话 · door 上门")
    outcome: str = Field(
        description="结果：reached 已接通/已见面 · no_answer 无人接听 · refused 拒绝配合 · vacant 空置 · wrong_number 号码错误"
    )
    note: str = ""
    token: str = Field("", max_length=40, description="客户端生成的唯一编号：重复提交只记一次")
    people: list[PersonAnswersIn] = Field(
        [], max_length=50, description="每人的答案（结果为 reached 时至少一人）；问题编号见排查活动的问题"
    )


def _attempt_post(payload: AttemptIn) -> QueryDict:
    """The body as the page's post: p<resident>-q<question> for a resident, new<n>-… for someone new."""
    data = form_data(payload.dict(exclude={"people"}))
    new = 0
    for person in payload.people:
        if person.resident_id is None:
            if new == NEW_PERSON_SLOTS:
                raise ActionRefused(f"一次最多登记 {NEW_PERSON_SLOTS} 位台账中没有的人，请分开提交。", "people")
            key, new = f"new{new}", new + 1
            data[f"{key}-name"], data[f"{key}-phone"] = person.name, person.phone
        else:
            key = f"p{person.resident_id}"
        if person.all_no:
            data[f"{key}-allno"] = "1"
        for question, answer in person.answers.items():
            data[f"{key}-q{question}"] = answer
    return data


def _key_persons(user) -> QuerySet:
    screening_access.require_any(user, Capability.VIEW_KEY_PERSONS)
    return KeyPerson.objects.visible_to(user)


def _key_person(user, pk: int) -> KeyPerson:
    screening_access.require_any(user, Capability.VIEW_KEY_PERSONS)
    return screening_access.key_person_for(user, pk)


def _attempts(user) -> QuerySet:
    screening_access.require_any(user, Capability.SCREEN, Capability.MANAGE_CAMPAIGNS)
    return Attempt.objects.visible_to(user)


def _attempt(user, pk: int) -> Attempt:
    return get_object_or_404(_attempts(user), pk=pk)


def _batches(user) -> QuerySet:
    pushlist_access.require(user)
    return PushBatch.objects.visible_to(user)


def _batch(user, pk: int) -> PushBatch:
    pushlist_access.require(user)
    return pushlist_access.batch_for(user, pk)


def _pushed(user) -> QuerySet:
    pushlist_access.require(user)
    return PushedPerson.objects.visible_to(user)


def _pushed_one(user, pk: int) -> PushedPerson:
    pushlist_access.require(user)
    return pushlist_access.person_for(user, pk)


def _cases(user) -> QuerySet:
    observation_access.require(user, Capability.FOLLOW_UP)
    return ObservationCase.objects.visible_to(user)


def _followups(user) -> QuerySet:
    return FollowUp.objects.filter(case__in=_cases(user))


def _followup(user, pk: int) -> FollowUp:
    return get_object_or_404(_followups(user), pk=pk)


add_resource(
    router, "/key-persons", name="key_persons", out=KeyPersonOut, rows=_key_persons, one=_key_person,
    changed="updated_at", label="重点人员",
)  # fmt: skip
add_resource(
    router, "/screening/attempts", name="attempts", out=AttemptOut, rows=_attempts, one=_attempt, changed="at",
    label="排查记录",
)  # fmt: skip
add_resource(
    router, "/push-batches", name="push_batches", out=BatchOut, rows=_batches, one=_batch, changed="updated_at",
    label="推送名单批次",
)  # fmt: skip
add_resource(
    router, "/push-people", name="push_people", out=PushedPersonOut, rows=_pushed, one=_pushed_one,
    changed="updated_at", label="推送人员及比对结果",
)  # fmt: skip
add_resource(
    router, "/observation/cases", name="cases", out=CaseOut, rows=_cases,
    one=lambda user, pk: observation_access.case_for(user, pk), changed="updated_at", label="居家观察",
)  # fmt: skip
add_resource(
    router, "/observation/follow-ups", name="follow_ups", out=FollowUpOut, rows=_followups, one=_followup,
    changed="recorded_at", label="随访记录",
)  # fmt: skip


@router.post(
    "/observation/cases/{pk}/follow-ups",
    response={201: FollowUpOut, **ERRORS},
    summary="登记一次随访电话",
    operation_id="record_follow_up",
)
def post_follow_up(request: HttpRequest, pk: int, payload: FollowUpIn) -> Status:
    """The page's call form and the same action (observation.followups.record_followup): a fever opens the
    retest, a missed call counts on its slot."""
    require_write(request)
    case = observation_access.case_for(request.user, pk)
    delivered = list(case.requests.filter(status=RequestStatus.DELIVERED).order_by("delivered_at"))
    form = CallForm(form_data(payload.dict()), delivered=delivered)
    if not form.is_valid():
        raise FormInvalid(form)
    report = form.report()
    try:
        return Status(201, record_followup(request.user, case, report))
    except CaseError as error:
        form.add_error(None, str(error))
        raise FormInvalid(form) from error


@router.post(
    "/screening/campaigns/{campaign_id}/households/{household_id}/attempts",
    response={201: AttemptOut, **ERRORS},
    summary="记录一次排查联系",
    operation_id="record_attempt",
)
def post_attempt(request: HttpRequest, campaign_id: int, household_id: int, payload: AttemptIn) -> Status:
    """The page's attempt form and the same action (screening.actions.record_attempt)."""
    require_write(request)
    screening_access.require_any(request.user, Capability.SCREEN)
    campaign = screening_access.campaign_for(request.user, campaign_id)
    state = screening_access.campaign_household_for(request.user, campaign, household_id)
    residents = list(state.household.residents.order_by("id"))
    questions = list(campaign.questions.filter(active=True).order_by("order", "id"))
    form = AttemptForm(_attempt_post(payload), residents=residents, questions=questions)
    if not form.is_valid():
        for error in (error for slot in form.all_slots for error in slot.errors):
            form.add_error(None, error)  # the page shows these beside each person
        raise FormInvalid(form)
    data = form.cleaned_data
    try:
        result = screening_actions.record_attempt(
            request.user,
            campaign,
            state.household,
            channel=data["channel"],
            outcome=data["outcome"],
            note=data["note"],
            people=form.people(),
            questions=form.questions_by_id,
            divisions=form.divisions,
            client_token=data["token"],
        )
    except screening_actions.CampaignClosed as error:
        form.add_error(None, "这次活动不在进行中（已结束或尚未开始），不能再记录。请联系社区管理员。")
        raise FormInvalid(form) from error
    return Status(201, result.attempt)
