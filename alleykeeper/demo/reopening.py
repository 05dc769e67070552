"""The demo's 329 enterprises (复工复产), as the report counts them: most in 开元盛世广场 across its floors, the
rest in the shop buildings of the streets, in every state, dated from the day the demo is loaded.

Seven named shops of the mall go the whole way one by one through the reopening actions, with returning
staff (one from Hubei three days ago blocks 开元童装's approval), slots and daily reports. The others are
registered and told in bulk (actions.add_enterprises, record_policy_calls) and a share of them goes on
through the same per-enterprise actions as a real one would: applications in every state, approvals with a
slot of the staggered calendar, openings with their daily health reports.
"""

from collections import Counter
from datetime import datetime, time, timedelta
from importlib import import_module

from django.apps import apps as django_apps
from django.utils import timezone

from alleykeeper.core.credit_code import credit_check_char
from alleykeeper.core.identity import check_id_card, check_phone, id_check_char
from alleykeeper.registry.models import Building, HouseholdKind
from alleykeeper.reopening import actions, daily, slots, staff
from alleykeeper.reopening.models import (
    CallChannel,
    ChecklistItem,
    DailyReport,
    EnterpriseState,
    HealthState,
    Sector,
)

MALL = "开元盛世广场"
FLOORS = ("B1", "1F", "2F", "3F", "4F")
TOTAL = 329
IN_MALL = 262  # of the 329; the rest are shops in the streets' buildings
SLOT_CAPACITY = 4  # enterprises a floor (or the shop streets) may open on one day
SLOT_DAYS = 14
# name, floor, shop, sector, headcount, grid, how far it has come
ENTERPRISES = (
    ("盛世奶茶（开元店）", "1F", "1F-008", Sector.CATERING, 6, "第一网格", "open"),
    ("丽人美发", "2F", "2F-015", Sector.PERSONAL_SERVICE, 4, "第一网格", "approved"),
    ("开元童装", "2F", "2F-021", Sector.RETAIL, 3, "第一网格", "inspected"),
    ("泉州小吃", "B1", "B1-006", Sector.CATERING, 5, "第一网格", "under_review"),
    ("启明培训", "3F", "3F-002", Sector.EDUCATION, 12, "第一网格", "submitted"),
    ("鲤城眼镜", "1F", "1F-012", Sector.RETAIL, 2, "第一网格", "told"),
    ("阿婆烧肉粽", "B1", "B1-011", Sector.CATERING, 2, "第二网格", "closed"),
)
# How far the other 322 have come, in this proportion (the report's weeks: most told, many open).
STAGES = (
    ("closed", 30),
    ("told", 186),
    ("submitted", 10),
    ("under_review", 6),
    ("inspected", 4),
    ("returned", 4),
    ("rejected", 2),
    ("approved", 16),
    ("open", 64),
)
FLOOR_SECTORS = {
    "B1": (Sector.CATERING, Sector.RETAIL),
    "1F": (Sector.RETAIL, Sector.CATERING, Sector.PERSONAL_SERVICE),
    "2F": (Sector.RETAIL, Sector.PERSONAL_SERVICE),
    "3F": (Sector.EDUCATION, Sector.OFFICE, Sector.PERSONAL_SERVICE),
    "4F": (Sector.OFFICE, Sector.CATERING, Sector.EDUCATION),
}
WORDS = {
    Sector.CATERING: ("小吃", "面馆", "奶茶", "咖啡", "快餐", "甜品", "烧烤", "牛肉店"),
    Sector.RETAIL: ("服饰", "鞋店", "童装", "眼镜", "饰品", "超市", "书店", "家电"),
    Sector.PERSONAL_SERVICE: ("美发", "美甲", "摄影", "洗衣", "足浴", "养生馆"),
    Sector.EDUCATION: ("培训", "艺术学校", "早教中心", "书法班"),
    Sector.OFFICE: ("贸易公司", "设计工作室", "旅行社", "科技公司"),
}
BRANDS = (
    "开元",
    "鲤城",
    "刺桐",
    "清源",
    "东街",
    "泉南",
    "古城",
    "温陵",
    "西街",
    "聚宝",
    "惠民",
    "新华",
    "金鲤",
    "闽南",
)


def _code(number: int) -> str:
    first17 = f"92350502MA2Y{number:04d}X"[:17]
    return first17 + credit_check_char(first17)


def _application_data(enterprise, demo, days_ahead: int) -> dict:
    return {
        "planned_date": demo.today + timedelta(days=days_ahead),
        "contact_name": enterprise.contact_name,
        "measures_publicity": "员工已全部告知，门口张贴防疫须知",
        "measures_entry": "员工每日测温登记，返岗人员逐一摸排",
        "measures_disinfection": "每日早晚消毒两次，登记在册",
        "measures_supervision": "店长为防疫负责人",
    }


def _person(demo, name: str, origin: str, days_ago: int, health: str = HealthState.HEALTHY) -> staff.StaffEntry:
    born = f"19{demo.rng.randrange(70, 99)}0{demo.rng.randrange(1, 9)}1{demo.rng.randrange(0, 9)}"
    first17 = f"350502{born}{demo.rng.randrange(100, 999)}"
    data = {"name": name, "doc_type": "id_card", "returned_on": demo.today - timedelta(days=days_ago)}
    return staff.StaffEntry(
        data | {"health_state": health},
        check_id_card(first17 + id_check_char(first17)),
        check_phone(f"1375990{demo.rng.randrange(0, 9999):04d}"),
        demo.divisions[origin],
        [],
    )


class _Walk:
    """Takes one enterprise as far as its stage goes, through the reopening actions."""

    def __init__(self, demo) -> None:
        self.demo = demo
        self.admin, self.worker = demo.users["chenyl"], demo.users["wangcl"]
        self.items = list(actions.checklist_for_all())
        self.booked = 0
        self.suspended = False

    def go(self, enterprise, stage: str, number: int) -> None:
        demo = self.demo
        if stage in ("closed", "told"):
            return
        via_link = number % 3 != 0
        if via_link:
            actions.issue_link(self.worker, enterprise, now=demo.now - timedelta(days=3))
        application = actions.submit_application(
            None,
            enterprise,
            _application_data(enterprise, demo, number % 4),
            check_phone(f"1365990{number:04d}"),
            via_link=via_link,
            now=demo.now - timedelta(days=2),
        )
        if number % 4 == 0:  # a returning employee from Xiamen, back three weeks ago: screened, no block
            entry = _person(demo, f"员工{number}号", "350200", 20 + number % 5)
            staff.add_staff_many(None, enterprise, [entry], via_link=True, now=demo.now - timedelta(days=2))
        if stage == "submitted":
            return
        if stage == "rejected":
            actions.reject_application(self.admin, application, "经营场所不具备通风条件，暂不予复工")
            return
        actions.start_review(self.admin, application)
        if stage == "returned":
            actions.return_application(self.admin, application, "请补充员工测温登记表和消毒记录")
            return
        if stage == "under_review":
            return
        self.inspect(enterprise, application, fail_first=stage == "inspected" and number % 2 == 0)
        if stage == "inspected":
            return
        actions.approve_application(self.admin, application, now=demo.now - timedelta(hours=20))
        if stage == "open":
            actions.open_enterprise(self.worker, enterprise, demo.today - timedelta(days=1 + number % 6))
            if not self.suspended and number > len(ENTERPRISES):
                # The re-inspection found disinfection not kept up: suspended (暂停营业) until put right.
                self.inspect(enterprise, None, fail_first=True, suspend="复查发现未按要求每日消毒，暂停营业整改")
                self.suspended = True
            return
        self.book(application)

    def inspect(self, enterprise, application, *, fail_first: bool, suspend: str = "") -> None:
        of_sector = [i for i in self.items if i.sector in ("", enterprise.sector)]
        record = actions.InspectionRecord(
            inspected_on=self.demo.today - timedelta(days=1),
            inspectors="黄银红（社区）、街道企业办、市场监督所、安办",
            units=["community", "enterprise_office", "market_supervision", "safety_office"],
            results=[
                actions.ItemResult(item, not (fail_first and index == 0), "未按要求落实，需整改" if index == 0 else "")
                for index, item in enumerate(of_sector)
            ],
            suspend_reason=suspend,
        )
        actions.record_inspection(self.admin, enterprise, record, application)

    def book(self, application) -> None:
        """The first slot of its place with room from a day of the coming week (today for one in four), so that
        the command center shows openings today and in the next seven days."""
        first = self.demo.today + timedelta(days=self.booked % 4 * 2)
        slot = slots.slots_for(application.enterprise, first).order_by("day").first()
        if slot is not None:
            slots.take_slot(None, application, slot, now=self.demo.now)
            self.booked += 1


def _ensure_checklist() -> None:
    """The inspection checklist is seeded by a migration; a database emptied since (a transactional test's
    flush) has none: seed it again, as an administrator would enter it in the admin."""
    if not ChecklistItem.objects.exists():
        import_module("alleykeeper.reopening.migrations.0002_seed_checklist").seed(django_apps, None)


def enterprises(demo) -> str:
    admin, worker = demo.users["chenyl"], demo.users["wangcl"]
    _ensure_checklist()
    grids = {g.name: g for g in demo.community.grids.all()}
    places = [(MALL, floor) for floor in FLOORS] + [("", "")]
    slots.open_slots(
        admin, demo.community, demo.today, demo.today + timedelta(days=SLOT_DAYS - 1), places, SLOT_CAPACITY
    )
    walk = _Walk(demo)
    named = _named(demo, walk, grids)
    stages = _others(demo, walk, grids, admin, worker)
    _daily_reports(demo)
    # Registered before the calls of four days ago (the register is older than the load): the command center's
    # daily reports of the last days count them.
    demo.community.enterprise_set.update(created_at=demo.now - timedelta(days=5))
    return (
        f"复工复产：{len(named) + sum(stages.values())} 家企业（{MALL} {IN_MALL} 家，沿街 {TOTAL - IN_MALL} 家），"
        f"{walk.booked} 家已预约错峰复工时段，开元童装有 1 名自湖北返岗人员待处理"
    )


def _named(demo, walk: _Walk, grids: dict) -> list:
    admin, worker = demo.users["chenyl"], demo.users["wangcl"]
    made = []
    for number, (name, floor, shop, sector, headcount, grid, stage) in enumerate(ENTERPRISES, start=1):
        small = sector == Sector.CATERING and headcount <= 2  # a small individual business: no code
        data = {
            "name": name, "credit_code": "" if small else _code(number), "no_credit_code": small,
            "grid": grids[grid], "mall": MALL, "floor": floor, "shop_number": shop, "sector": sector,
            "contact_name": f"{name[:1]}经理", "headcount": headcount,
        }  # fmt: skip
        enterprise = actions.save_enterprise(admin, None, data, check_phone(f"1385990{number:04d}"))
        made.append(enterprise)
        if stage == "closed":
            continue
        actions.record_policy_call(
            worker, enterprise, CallChannel.PHONE, "已告知复工政策和防疫要求", now=demo.now - timedelta(days=3)
        )
        if stage == "told":
            continue
        walk.go(enterprise, stage, number)
        if name == "开元童装":
            # Back from Hubei (a key area) three days ago: blocks approval until the admin decides.
            staff.add_staff(None, enterprise, _person(demo, "黄志强", "420100", 3), via_link=True, now=demo.now)
        if name == "盛世奶茶（开元店）":
            # From Wuhan more than the observation period ago: flagged, observed, not blocking.
            staff.add_staff(None, enterprise, _person(demo, "刘晓梅", "420100", 16), via_link=True, now=demo.now)
    return made


def _others(demo, walk: _Walk, grids: dict, admin, worker) -> Counter:
    """The 322 others: registered and told in bulk, then each taken as far as its stage goes."""
    rng = demo.rng
    plan = [stage for stage, weight in STAGES for _ in range(weight)]
    rng.shuffle(plan)
    street_buildings = list(
        Building.objects.filter(alley__grid__community=demo.community, households__kind=HouseholdKind.SHOP)
        .select_related("alley__grid")
        .distinct()
        .order_by("id")
    )
    rows, names = [], set(e[0] for e in ENTERPRISES)
    grid_list = sorted(grids.values(), key=lambda g: g.name)
    for index in range(TOTAL - len(ENTERPRISES)):
        number = len(ENTERPRISES) + 1 + index
        in_mall = index < IN_MALL - len(ENTERPRISES)
        floor = FLOORS[index % len(FLOORS)] if in_mall else ""
        sector = rng.choice(FLOOR_SECTORS[floor]) if in_mall else rng.choice((Sector.CATERING, Sector.RETAIL))
        name = f"{rng.choice(BRANDS)}{rng.choice(WORDS[sector])}"
        while name in names:
            name = f"{rng.choice(BRANDS)}{rng.choice(BRANDS)}{rng.choice(WORDS[sector])}"
        names.add(name)
        small = not in_mall and index % 3 == 0
        building = None if in_mall else street_buildings[index % len(street_buildings)]
        data = {
            "name": name, "credit_code": "" if small else _code(number), "no_credit_code": small,
            "grid": building.alley.grid if building else grid_list[index % 2], "building": building,
            "mall": MALL if in_mall else "", "floor": floor,
            "shop_number": f"{floor}-{100 + index // len(FLOORS):03d}" if in_mall else "",
            "sector": sector, "contact_name": f"{name[:1]}老板", "headcount": rng.randrange(2, 30),
        }  # fmt: skip
        rows.append((data, check_phone(f"1385991{number:04d}")))
    made = actions.add_enterprises(admin, rows)
    stages = Counter(plan)
    told = [e for e, stage in zip(made, plan, strict=True) if stage != "closed"]
    actions.record_policy_calls(
        worker, told, CallChannel.PHONE, "逐层电话告知复工政策", now=demo.now - timedelta(days=4)
    )
    for offset, (enterprise, stage) in enumerate(zip(made, plan, strict=True)):
        walk.go(enterprise, stage, len(ENTERPRISES) + 1 + offset)
    return stages


def _daily_reports(demo) -> None:
    """Most open enterprises reported today (zero reports), one with a fever; a few have not yet. The days
    before, since each opened, every one reported (written in bulk: zero reports sent at 09:00)."""
    open_ones = list(demo.community.enterprise_set.filter(state=EnterpriseState.OPEN).order_by("id"))
    earlier = []
    for enterprise in open_ones:
        day = enterprise.opened_on
        while day < demo.today:
            sent = timezone.make_aware(datetime.combine(day, time(9)))
            earlier.append(
                DailyReport(enterprise=enterprise, day=day, staff_present=enterprise.headcount, submitted_at=sent)
            )
            day += timedelta(days=1)
    DailyReport.objects.bulk_create(earlier)
    for index, enterprise in enumerate(open_ones):
        if index % 9 == 4:
            continue  # missing today: on the grid worker's list
        unwell = 1 if index == 2 else 0
        data = {"staff_present": max(1, enterprise.headcount - index % 3), "unwell": unwell}
        if unwell:
            data["unwell_note"] = "一名店员 37.6℃，已回家休息并告知社区"
        daily.submit_daily_report(None, enterprise, data, via_link=True, now=demo.now)
