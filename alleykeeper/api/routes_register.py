"""The register through the API: households and residents (masked), and the audited reveal of one value."""

from datetime import date, datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from alleykeeper.accounts.roles import Capability
from alleykeeper.api.auth import require_write
from alleykeeper.api.errors import ERRORS, FormInvalid
from alleykeeper.api.listing import MAX_ID, ListParams, Page, list_page
from alleykeeper.audit.models import Purpose
from alleykeeper.core.net import client_ip
from alleykeeper.registry import access, actions
from alleykeeper.registry.forms import RevealForm
from alleykeeper.registry.models import Household, Resident

router = Router(tags=["台账"])


class HouseholdOut(Schema):
    id: int
    community_id: int
    grid_id: int
    grid: str = Field(description="网格名称")
    building_id: int
    address: str = Field(description="地址：小巷、楼栋、单元、门牌")
    room: str
    kind: str = Field(description="owner 自住 · rental 出租 · vacant 空置 · shop 商铺")
    landlord_name: str
    landlord_phone: str = Field(description="房东电话（已遮蔽，如 138****8000）")
    tenancy_start: date | None
    tenancy_end: date | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_grid(obj: Household) -> str:
        return obj.grid.name

    @staticmethod
    def resolve_address(obj: Household) -> str:
        return obj.address

    @staticmethod
    def resolve_landlord_phone(obj: Household) -> str:
        return obj.landlord_phone_masked


class ResidentOut(Schema):
    id: int
    household_id: int
    name: str
    sex: str = Field(description="M 男 · F 女 · 空：未填")
    age: int | None = Field(
        description="年龄（按今天算）。出生日期不单独给出：它正是遮蔽的证件号码隐去的 8 位，需要时查看完整证件号码（记入审计）。"
    )
    relation: str
    status: str = Field(description="living 常住 · temporary 暂住 · away 外出")
    doc_type: str
    doc_number: str = Field(description="证件号码（已遮蔽：前 6 位和后 4 位）")
    phone: str = Field(description="电话（已遮蔽）")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_age(obj: Resident) -> int | None:
        return obj.age

    @staticmethod
    def resolve_doc_number(obj: Resident) -> str:
        return obj.doc_number_masked

    @staticmethod
    def resolve_phone(obj: Resident) -> str:
        return obj.phone_masked


class RevealIn(Schema):
    field: str = Field(description="doc 证件号码 · phone 电话")
    purpose: str = Field(description="用途：" + " · ".join(f"{v} {label}" for v, label in Purpose.choices))


class RevealOut(Schema):
    label: str
    value: str


HOUSEHOLD_FIELDS = ("building__alley", "unit", "grid")
RESIDENT_FIELDS = (
    "id", "household_id", "name", "sex", "birth_date", "relation", "status", "doc_type", "doc_number_masked",
    "phone_masked", "created_at", "updated_at",
)  # fmt: skip


@router.get("/households", response={200: Page[HouseholdOut], **ERRORS}, summary="住户列表（按修改时间同步）")
def list_households(request: HttpRequest, filters: Query[ListParams]) -> dict:
    access.require(request.user, Capability.VIEW_REGISTER)
    households = Household.objects.visible_to(request.user).select_related(*HOUSEHOLD_FIELDS)
    return list_page(request, households, filters, "households", "住户", changed="updated_at")


@router.get("/households/{household_id}", response={200: HouseholdOut, **ERRORS}, summary="一户住户")
def get_household(request: HttpRequest, household_id: int) -> Household:
    access.require(request.user, Capability.VIEW_REGISTER)
    return access.household_for(request.user, household_id)


class ResidentParams(ListParams):
    # Bounded like the database's ids: a number beyond them is a 422 that says so, not an overflow in the query.
    household: int | None = Field(None, ge=1, le=MAX_ID, description="只列出这一户的居民（住户编号）。")


@router.get("/residents", response={200: Page[ResidentOut], **ERRORS}, summary="居民列表（证件号、电话已遮蔽）")
def list_residents(request: HttpRequest, filters: Query[ResidentParams]) -> dict:
    access.require(request.user, Capability.VIEW_REGISTER)
    residents = Resident.objects.visible_to(request.user).only(*RESIDENT_FIELDS)
    if filters.household is not None:
        residents = residents.filter(household_id=filters.household)
    return list_page(request, residents, filters, "residents", "居民", changed="updated_at")


@router.get("/residents/{resident_id}", response={200: ResidentOut, **ERRORS}, summary="一位居民")
def get_resident(request: HttpRequest, resident_id: int) -> Resident:
    access.require(request.user, Capability.VIEW_REGISTER)
    return access.resident_for(request.user, resident_id)


@router.post(
    "/residents/{resident_id}/reveal", response={200: RevealOut, **ERRORS}, summary="查看完整证件号或电话（记入审计）"
)
def reveal_resident(request: HttpRequest, response: HttpResponse, resident_id: int, payload: RevealIn) -> dict:
    """The same permission, form and audited action as the household page's 查看 button: who, when, what, why.
    Needs a write token: a read token only ever sees masked values."""
    require_write(request)
    access.require(request.user, Capability.REVEAL_IDENTITY)
    resident = access.resident_for(request.user, resident_id)
    form = RevealForm(payload.dict())
    if not form.is_valid():
        raise FormInvalid(form)
    data = form.cleaned_data
    revealed = actions.reveal_identity(request.user, resident, data["field"], data["purpose"], client_ip(request))
    response["Cache-Control"] = "no-store"
    return {"label": revealed.label, "value": revealed.value}
