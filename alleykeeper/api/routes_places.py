"""Gates and visitor registrations, reopening applications, disinfection tasks, supplies and daily reports
through the API: the same access functions as the pages."""

from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from alleykeeper.accounts.roles import Capability
from alleykeeper.api.auth import require_write
from alleykeeper.api.errors import ERRORS, ActionRefused
from alleykeeper.api.listing import add_resource
from alleykeeper.gates.actions import GateLogError
from alleykeeper.reopening import access as reopening_access
from alleykeeper.reopening.models import Application
from alleykeeper.reports import access as reports_access
from alleykeeper.sanitation import access as sanitation_access
from alleykeeper.supplies import access as supplies_access
from alleykeeper.visitors import access as visitors_access
from alleykeeper.visitors import actions as visitors_actions
from alleykeeper.visitors.models import Registration

router = Router(tags=["卡口来访、复工、消杀、物资、日报"])
MASKED = "（已遮蔽）"


class GateOut(Schema):
    id: int
    enclosure_id: int
    name: str
    location: str
    opens_at: time | None
    closes_at: time | None
    state: str
    updated_at: datetime


class RegistrationOut(Schema):
    id: int
    gate_id: int
    code: str = Field(description="登记码")
    name: str
    doc_number: str = Field(alias="doc_number_masked", description="证件号码" + MASKED)
    phone: str = Field(alias="phone_masked", description="电话" + MASKED)
    arrival_date: date
    origin_id: int
    transport: str
    reason: str
    host_address: str
    key_area_names: str = Field(description="来自或途经的重点地区；空：无")
    key_person_id: int | None
    created_at: datetime


class EntryIn(Schema):
    temperature: str = Field("", max_length=10, description="体温（℃），如 36.5；不测可留空")


class EntryOut(Schema):
    id: int
    gate_id: int
    direction: str
    kind: str
    visitor_code: str
    temperature: Decimal | None
    flags: str = Field(description="标记，逗号分隔（如 key_area 来自重点地区、fever 发热）")


class ApplicationOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str = Field(description="企业名称")
    status: str
    planned_date: date
    planned_start: time | None
    planned_end: time | None
    contact_name: str
    contact_phone: str = Field(alias="contact_phone_masked", description="防疫联系人电话" + MASKED)
    via_link: bool
    submitted_at: datetime
    decided_at: datetime | None
    notice_number: str
    updated_at: datetime

    @staticmethod
    def resolve_enterprise(obj: Application) -> str:
        return obj.enterprise.name


class TaskOut(Schema):
    id: int
    community_id: int
    place_id: int
    source: str
    day: date
    due_at: datetime
    overdue_at: datetime
    cleaner_id: int | None
    surfaces: list[str]
    agent: str
    dilution: str
    done_at: datetime | None
    done_by_id: int | None
    agent_used: str
    amount_used: Decimal | None
    note: str
    updated_at: datetime


class SupplyOut(Schema):
    id: int
    community_id: int
    name: str
    kind: str
    unit: str
    on_hand: Decimal = Field(description="库存")
    low_threshold: Decimal = Field(description="低库存提醒线")
    is_low: bool
    created_at: datetime
    updated_at: datetime


class ReportOut(Schema):
    id: int
    community_id: int
    day: date
    version: int
    window_start: datetime
    window_end: datetime
    figures: dict[str, int] = Field(description="各项数字（键见日报格式）")
    is_zero: bool = Field(description="零报告")
    generated_at: datetime
    supersedes_id: int | None
    correction_reason: str
    signed_at: datetime | None
    updated_at: datetime


def _registrations(user) -> QuerySet:
    """Registrations at the gates whose live list the user may open now (visitors.access.watched_gates)."""
    return Registration.objects.filter(gate__in=visitors_access.watched_gates(user).order_by().values("pk"))


def _applications(user) -> QuerySet:
    reopening_access.require(user, Capability.VIEW_REOPENING)
    return Application.objects.visible_to(user).select_related("enterprise")


def _supplies(user) -> QuerySet:
    supplies_access.require_see_stock(user)
    return supplies_access.items_visible_to(user)


add_resource(
    router, "/gates", name="gates", out=GateOut, rows=visitors_access.watched_gates, one=visitors_access.gate_for,
    changed="updated_at", label="卡口（值守中的或所管理的）",
)  # fmt: skip
add_resource(
    router, "/visitor-registrations", name="visitor_registrations", out=RegistrationOut, rows=_registrations,
    one=visitors_access.registration_for, changed="created_at", label="来访登记",
)  # fmt: skip
add_resource(
    router, "/reopening/applications", name="applications", out=ApplicationOut, rows=_applications,
    one=reopening_access.application_for, changed="updated_at", label="复工申请",
)  # fmt: skip
add_resource(
    router, "/sanitation/tasks", name="disinfection_tasks", out=TaskOut, rows=sanitation_access.tasks_visible_to,
    one=sanitation_access.task_for, changed="updated_at", label="消杀任务",
)  # fmt: skip
add_resource(
    router, "/supplies/items", name="supplies", out=SupplyOut, rows=_supplies,
    one=lambda user, pk: supplies_access.item_for(user, pk), changed="updated_at", label="物资库存",
)  # fmt: skip
add_resource(
    router, "/daily-reports", name="daily_reports", out=ReportOut, rows=reports_access.reports_visible_to,
    one=reports_access.report_for, changed="updated_at", label="日报",
)  # fmt: skip


@router.post(
    "/visitor-registrations/{pk}/entries",
    response={201: EntryOut, **ERRORS},
    summary="核验来访登记并登记进入",
    operation_id="log_visitor_entry",
)
def post_entry(request: HttpRequest, pk: int, payload: EntryIn) -> Status:
    """The duty staff let a registered visitor in: the same action as the live list's 进入 button."""
    require_write(request)
    registration = visitors_access.registration_for(request.user, pk)
    try:
        entry = visitors_actions.log_visitor_entry(request.user, registration, payload.temperature)
    except GateLogError as error:
        raise ActionRefused(str(error), field="temperature") from error
    return Status(201, entry)
