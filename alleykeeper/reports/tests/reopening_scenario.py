"""Test helper: enterprises of the test world in every reopening state, with what the reopening figures count,
made directly (the reopening actions are tested in their app). Written "now": the caller sets the clock.

Grid A (开元社区): 开元奶茶 open and reported today, 东街面馆 open without today's report, 丽人美发 approved and
opening today, 开元童装 applying (inspected, waiting) with 黄志强 blocking, 阿婆粽子 closed.
Grid B: 孝感巷理发店 approved and opening in three days, 西街书店 applying (submitted) with 李四海 blocking,
古城眼镜 suspended. The other community (新华社区): 新华超市 open without report, 新华花店 applying (waiting)."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from alleykeeper.reopening.models import Application, DailyReport, Enterprise, ReopeningSlot, ReturningStaff
from alleykeeper.reports.tests.scenario import wuhan
from testkit.world import World

MALL = "开元盛世广场"

# What the scenario gives for the whole community (开元社区), for grid A alone, and for 新华社区.
COMMUNITY = {
    "enterprises_closed": 1,
    "enterprises_applying": 2,
    "enterprises_approved": 2,
    "enterprises_open": 2,
    "enterprises_suspended": 1,
    "reopening_applications_waiting": 2,
    "reopening_staff_blocking": 2,
    "reopening_openings_today": 1,
    "reopening_openings_week": 2,
    "reopening_reports_missing": 1,
}
GRID_A = COMMUNITY | {
    "enterprises_applying": 1,
    "enterprises_approved": 1,
    "enterprises_suspended": 0,
    "reopening_applications_waiting": 1,
    "reopening_staff_blocking": 1,
    "reopening_openings_week": 1,
}
OTHER = dict.fromkeys(COMMUNITY, 0) | {
    "enterprises_open": 1,
    "enterprises_applying": 1,
    "reopening_applications_waiting": 1,
    "reopening_reports_missing": 1,
}


@dataclass
class Reopening:
    by_name: dict[str, Enterprise]
    blocking_a: ReturningStaff
    blocking_b: ReturningStaff


def _enterprise(grid, name: str, state: str, building=None, opened_days_ago: int | None = None) -> Enterprise:
    today = timezone.localdate()
    return Enterprise.objects.create(
        community_id=grid.community_id,
        grid=grid,
        name=name,
        building=building,
        mall="" if building else MALL,
        floor="" if building else "1F",
        contact_name="林店长",
        state=state,
        opened_on=None if opened_days_ago is None else today - timedelta(days=opened_days_ago),
    )


def _application(enterprise: Enterprise, status: str, slot_in_days: int | None = None) -> Application:
    now = timezone.now()
    slot = None
    if slot_in_days is not None:
        slot = ReopeningSlot.objects.create(
            community_id=enterprise.community_id,
            day=timezone.localdate() + timedelta(days=slot_in_days),
            mall=enterprise.mall,
            floor=enterprise.floor,
            capacity=4,
            taken=1,
        )
    return Application.objects.create(
        enterprise=enterprise,
        status=status,
        planned_date=timezone.localdate(),
        contact_name="林店长",
        submitted_at=now - timedelta(days=1),
        slot=slot,
    )


def _blocking(enterprise: Enterprise, name: str) -> ReturningStaff:
    return ReturningStaff.objects.create(
        enterprise=enterprise,
        name=name,
        doc_number_index=f"doc-{name}",
        doc_number_masked="420102********1234",
        origin=wuhan(),
        returned_on=timezone.localdate() - timedelta(days=3),
        created_at=timezone.now() - timedelta(hours=1),
        blocking=True,
        findings=[{"key": "area", "text": "来自重点地区：武汉市", "blocks": True}],
    )


def build_reopening(world: World) -> Reopening:
    a, b, other = world.grid_a, world.grid_b, world.grid_other
    made = {
        "开元奶茶": _enterprise(a, "开元奶茶", "open", opened_days_ago=2),
        "东街面馆": _enterprise(a, "东街面馆", "open", world.household_a.building, opened_days_ago=1),
        "丽人美发": _enterprise(a, "丽人美发", "approved"),
        "开元童装": _enterprise(a, "开元童装", "applying"),
        "阿婆粽子": _enterprise(a, "阿婆粽子", "closed"),
        "孝感巷理发店": _enterprise(b, "孝感巷理发店", "approved", world.household_b.building),
        "西街书店": _enterprise(b, "西街书店", "applying", world.household_b.building),
        "古城眼镜": _enterprise(b, "古城眼镜", "suspended", world.household_b.building),
        "新华超市": _enterprise(other, "新华超市", "open", world.household_other.building, opened_days_ago=5),
        "新华花店": _enterprise(other, "新华花店", "applying", world.household_other.building),
    }
    DailyReport.objects.create(
        enterprise=made["开元奶茶"], day=timezone.localdate(), staff_present=5, submitted_at=timezone.now()
    )
    _application(made["丽人美发"], "approved", slot_in_days=0)
    _application(made["孝感巷理发店"], "approved", slot_in_days=3)
    _application(made["开元童装"], "inspected")
    _application(made["西街书店"], "submitted")
    _application(made["新华花店"], "under_review")
    _application(made["阿婆粽子"], "rejected")
    return Reopening(made, _blocking(made["开元童装"], "黄志强"), _blocking(made["西街书店"], "李四海"))
