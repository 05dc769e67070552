"""The demo community at work (`manage.py load_demo`, after the register): every feature shows activity.

Everything is dated relative to the day it is loaded, so the demo is alive whenever it is loaded, and
written only through each app's own actions (the same doors the pages use): key areas (reference data,
places has no action for them), a rentals re-screening campaign (排查), a duty roster (值守), visitors and
gate-log entries at the gate where 庄建国 stands duty now, home observation of the report's two families
(今日, 配送, see demo_care.py), a push-list batch (推送比对) and the daily reports (日报, demo/reports.py). A fixed seed makes it deterministic for a
given day and time; the campaign "出租户再排查" is the marker: when it exists, nothing is written again.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.core.identity import DocumentType, check_document, check_phone, id_check_char
from alleykeeper.demo import alerts as demo_alerts
from alleykeeper.demo import care as demo_care
from alleykeeper.demo import data as plan
from alleykeeper.demo import publicity as demo_publicity
from alleykeeper.demo import reopening as demo_reopening
from alleykeeper.demo import reports as demo_reports
from alleykeeper.demo import sanitation as demo_sanitation
from alleykeeper.gates import roster, rules
from alleykeeper.gates.actions import log_gate_passage
from alleykeeper.gates.models import Direction, Gate, PassageKind
from alleykeeper.places.actions import load_divisions
from alleykeeper.places.divisions import DivisionRow
from alleykeeper.places.models import Division, DivisionLevel, KeyArea
from alleykeeper.registry.models import Community, HouseholdKind, Resident
from alleykeeper.screening.actions import create_campaign, record_attempt
from alleykeeper.screening.answers import PersonSlot
from alleykeeper.screening.models import Campaign, CampaignHousehold, Channel, HouseholdFilter, Outcome, QuestionRole
from alleykeeper.screening.questionnaire import NO, YES
from alleykeeper.visitors.actions import KEY_AREA_CODES_CACHE, log_visitor_entry, register_visitor

CAMPAIGN_NAME = "出租户再排查"
SEED = plan.SEED + 7
# The places the demo's stories need (GB/T 2260). `load_divisions` runs before `load_demo` in `make run`;
# where the table is empty (tests, a bare `load_demo`) only these rows are added, through places' action.
NEEDED_DIVISIONS = (
    ("420000", "湖北省", DivisionLevel.PROVINCE, None),
    ("420100", "武汉市", DivisionLevel.CITY, "420000"),
    ("420102", "江岸区", DivisionLevel.COUNTY, "420100"),
    ("420900", "孝感市", DivisionLevel.CITY, "420000"),
    ("360000", "江西省", DivisionLevel.PROVINCE, None),
    ("361000", "抚州市", DivisionLevel.CITY, "360000"),
    ("361002", "临川区", DivisionLevel.COUNTY, "361000"),
    ("350000", "福建省", DivisionLevel.PROVINCE, None),
    ("350200", "厦门市", DivisionLevel.CITY, "350000"),
    ("440000", "广东省", DivisionLevel.PROVINCE, None),
    ("440300", "深圳市", DivisionLevel.CITY, "440000"),
)
ROSTER_GATES = ("城北路口", "孝感巷口", "西街东口")  # the main gates of three enclosures
DUTY_GATE = "城北路口"
ALSO_ON_DUTY_NOW = "wangcl"  # the grid worker of 第一网格 stands with 庄建国 at loading time: her gate pages are live
# The three shifts of a day at the roster gates (their default pattern): night, day, evening.
DEMO_SHIFTS = ((time(0), time(8)), (time(8), time(16)), (time(16), time(0)))


@dataclass(frozen=True)
class ActivityResult:
    created: bool
    summary: list[str]


@dataclass
class Demo:
    """What every part of the demo activity needs: the day, the moment, the people, a seeded RNG."""

    community: Community
    today: date
    now: datetime
    rng: random.Random
    users: dict[str, User]
    divisions: dict[str, Division]

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def id_number(self, code: str, born: date, male: bool) -> str:
        first17 = f"{code}{born:%Y%m%d}{self.rng.randrange(0, 500) * 2 + (1 if male else 0):03d}"
        return first17 + id_check_char(first17)


def load_demo_activity(*, now: datetime | None = None) -> ActivityResult:
    """Write the demo activity once; a later call (the campaign exists) writes nothing."""
    community = Community.objects.filter(name=plan.COMMUNITY, street__name=plan.STREET).first()
    if community is None or not community.households.exists():
        return ActivityResult(False, ["演示社区尚未载入，未生成业务数据。"])
    if Campaign.objects.filter(community=community, name=CAMPAIGN_NAME).exists():
        return ActivityResult(False, [])
    now = now or timezone.now()
    with transaction.atomic():
        demo = Demo(
            community=community,
            today=timezone.localdate(now),
            now=now,
            rng=random.Random(SEED),
            users={u.username: u for u in User.objects.filter(username__in=[s.username for s in plan.STAFF])},
            divisions=_ensure_divisions(),
        )
        summary = [
            _key_areas(demo),
            _screening(demo),
            _roster(demo),
            _visitors(demo),
            demo_care.observation(demo),
            demo_care.push_list(demo),
            demo_sanitation.sanitation(demo),
            demo_reopening.enterprises(demo),
            demo_publicity.publicity(demo),
            demo_reports.daily_reports(demo),
            demo_alerts.alerts(demo),
        ]
    return ActivityResult(True, summary)


def _ensure_divisions() -> dict[str, Division]:
    codes = [row[0] for row in NEEDED_DIVISIONS]
    present = set(Division.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [DivisionRow(*row) for row in NEEDED_DIVISIONS if row[0] not in present]
    if missing:
        load_divisions(None, missing, source="演示数据")
    return {d.code: d for d in Division.objects.filter(code__in=codes).select_related("parent__parent")}


def _key_areas(demo: Demo) -> str:
    """Reference data, as an administrator would enter it in the admin (places has no action for it)."""
    KeyArea.objects.create(
        division=demo.divisions["420000"], start=demo.today - timedelta(days=40), note="演示：省级疫情重点地区"
    )
    KeyArea.objects.create(
        division=demo.divisions["361000"],
        start=demo.today - timedelta(days=20),
        end=demo.today - timedelta(days=6),
        note="演示：本市通报的重点地区（已解除）",
    )
    cache.delete(KEY_AREA_CODES_CACHE)  # the visitor form caches which divisions have key periods
    return "重点地区：湖北省（40 天前起）、江西省抚州市（20 天前至 6 天前）"


# -- screening ------------------------------------------------------------------------------------------------


def _screening(demo: Demo) -> str:
    """The report's 出租户再排查: rentals of every grid, started 3 days ago, by phone (三连问)."""
    grids = list(demo.community.grids.all())
    start = demo.today - timedelta(days=3)
    campaign = create_campaign(
        demo.users["chenyl"],
        {
            "name": CAMPAIGN_NAME,
            "start_date": start,
            "end_date": None,
            "household_filter": HouseholdFilter.RENTAL,
            "notes": "新一轮出租户排查：逐户电话“三连问”，打不通的上门。",
            "grids": grids,
        },
    )
    questions = {q.pk: q for q in campaign.questions.all()}
    qid = {q.role: q.pk for q in questions.values() if q.role}
    workers = {s.grid: demo.users[s.username] for s in plan.STAFF if s.grid}
    grid_names = {g.pk: g.name for g in grids}
    states = list(
        CampaignHousehold.objects.filter(campaign=campaign).select_related("household").order_by("grid_id", "sort_key")
    )
    residents: dict[int, list[Resident]] = {}
    for resident in Resident.objects.filter(household__in=[s.household_id for s in states]).order_by("id"):
        residents.setdefault(resident.household_id, []).append(resident)
    # Call times: the three days since the start, and this morning if it is past; each before now.
    days = [start + timedelta(days=n) for n in range(3)] + ([demo.today] if demo.now.hour >= 11 else [])
    attempts = key_found = 0
    by_grid: dict[int, list[CampaignHousehold]] = {}
    for state in states:
        by_grid.setdefault(state.grid_id, []).append(state)
    for grid_id, rows in by_grid.items():
        worker = workers[grid_names[grid_id]]
        done = rows[: int(len(rows) * 0.62)]  # each worker is two thirds through the list, alley by alley
        for n, state in enumerate(done):
            day = days[min(n * len(days) // max(len(done), 1), len(days) - 1)]
            at = demo.at(day, 9 + n % 8, demo.rng.randrange(60))
            at = min(at, demo.now - timedelta(minutes=5))
            people = residents.get(state.household_id, [])
            roll = demo.rng.random()
            if roll < 0.09:
                outcome = Outcome.NO_ANSWER
            elif roll < 0.12:
                outcome = Outcome.REFUSED
            elif roll < 0.14:
                outcome = Outcome.WRONG_NUMBER
            else:
                outcome = Outcome.REACHED if people else Outcome.VACANT
            slots = []
            if outcome == Outcome.REACHED:
                finder = not key_found and grid_names[grid_id] == "第一网格" and n >= 3
                slots = [_slot(demo, r, qid, arrived=finder and i == 0) for i, r in enumerate(people)]
                key_found += finder
            note = {Outcome.REFUSED: "租户不愿配合，已告知房东协助", Outcome.NO_ANSWER: "电话无人接听，改日上门"}.get(
                outcome, ""
            )
            record_attempt(
                worker,
                campaign,
                state.household,
                channel=Channel.PHONE,
                outcome=outcome,
                note=note,
                people=slots,
                questions=questions,
                divisions=demo.divisions,
                at=at,
            )
            attempts += 1
    return f"排查：{CAMPAIGN_NAME}（{len(states)} 户出租户），{attempts} 次联系，发现重点地区来鲤人员 {key_found} 人"


def _slot(demo: Demo, resident: Resident, qid: dict[str, int], *, arrived: bool) -> PersonSlot:
    values = {qid[QuestionRole.ARRIVED]: NO, qid[QuestionRole.TRAVEL]: NO, qid[QuestionRole.CONTACT]: NO}
    if arrived:  # the report's one key-area arrival that no push list named
        values[qid[QuestionRole.ARRIVED]] = YES
        values[qid[QuestionRole.ARRIVAL_DATE]] = (demo.today - timedelta(days=6)).isoformat()
        values[qid[QuestionRole.ORIGIN]] = "420102"
        values[qid[QuestionRole.TRANSPORT]] = "自驾"
    return PersonSlot(key=f"p{resident.pk}", resident=resident, all_no=not arrived, values=values)


# -- roster ---------------------------------------------------------------------------------------------------

ROSTER_HISTORY_DAYS = 3  # the demo's signed and unsigned reports are of the last two days before the cutoff


def _roster(demo: Demo) -> str:
    """A weekly roster (每周排班) at three enclosures' main gates: every day the gate's three shifts, each
    person always in the same shift at the same gate (nobody double-booked, everyone rested), then the
    coming fortnight made from it by the generator the daily timer runs (`generate_shifts`, also run by
    `make run`), so the gates stay staffed on any later day. 城北路口 is fully staffed and 庄建国 leads its
    shift covering the moment of loading, every day, with 王翠琳, so that the duty staff's and the grid
    worker's gate log and visitor list are live whatever the hour; the two other gates are short-handed in
    places (人手不足 shows)."""
    gates = {g.name: g for g in Gate.objects.filter(enclosure__community=demo.community, name__in=ROSTER_GATES)}
    planner = demo.users["huangyh"]
    zhuang = demo.users["zhuangjg"]
    now = timezone.localtime(demo.now).time()
    current = next(n for n, (start, end) in enumerate(DEMO_SHIFTS) if start <= now and (now < end or end == time(0)))
    slots = [current, (current + 1) % 3, (current + 2) % 3]
    groups: dict[tuple[str, int], list[User]] = {(name, slot): [] for name in ROSTER_GATES for slot in slots}
    on_duty_now = [zhuang, demo.users[ALSO_ON_DUTY_NOW]]
    groups[(DUTY_GATE, current)] += on_duty_now
    people = iter(u for u in rules.eligible_staff(demo.community.pk) if u not in on_duty_now)
    for slot in slots:
        groups[(DUTY_GATE, slot)] += [next(people) for _ in range(3 - len(groups[(DUTY_GATE, slot)]))]
    for person, spot in zip(people, [(name, slot) for slot in slots for name in ROSTER_GATES[1:]], strict=False):
        groups[spot].append(person)
    shifts = members = 0
    for (name, slot), group in groups.items():
        starts, ends = DEMO_SHIFTS[slot]
        data = {"weekdays": "0123456", "starts": starts, "ends": ends, "min_strength": rules.DEFAULT_MIN_STRENGTH,
                "leader": group[0] if group else None, "crew": group[1:]}  # fmt: skip
        done = roster.save_roster_entry(planner, gates[name], None, data, now=demo.now)[1]
        shifts, members = shifts + done.shifts, members + done.members
    # The roster has been running for some days: the shifts of the days the demo's reports count were made too
    # (else yesterday's report says every gate was unstaffed). Days ahead are made already: left as they are.
    done = roster.generate_shifts(planner, now=demo.now - timedelta(days=ROSTER_HISTORY_DAYS))
    short = sum(1 for group in groups.values() if len(group) < rules.DEFAULT_MIN_STRENGTH)
    return (
        f"值守：{len(ROSTER_GATES)} 个卡口每周排班 {len(groups)} 条，生成前 {ROSTER_HISTORY_DAYS} 天和未来 {roster.GENERATE_DAYS} 天 "
        f"{shifts + done.shifts} 个班次，排入 {members + done.members} 人次；{short} 条排班人手不足"
    )


# -- visitors and the gate log --------------------------------------------------------------------------------

VISITORS = (
    # name, origin code, arrival days ago, transport, number, reason, host address, host
    ("刘建华", "420102", 2, "train", "G1762", "探亲", "城北路12号201", "刘女士"),
    ("黄晓燕", "350200", 0, "car", "", "送物资给父母", "城北路7号101", "黄伯"),
    ("钟文斌", "440300", 1, "flight", "ZH9871", "办理房屋租赁", "城北路21号301", "房东陈先生"),
    ("曾丽萍", "350200", 0, "coach", "", "看望外婆", "城北路3号102", "曾阿婆"),
)


def _visitors(demo: Demo) -> str:
    """Visitors who scanned the gate's QR code today (one arrived from a key area: flagged), and what the
    duty staff logged at the gate: visitors let in, a resident, a courier kept outside, a car from 广东."""
    gate = Gate.objects.select_related("enclosure").get(enclosure__community=demo.community, name=DUTY_GATE)
    zhuang = demo.users["zhuangjg"]
    entered = flagged = 0
    for n, (name, origin, days_ago, transport, number, reason, address, host) in enumerate(VISITORS):
        born = date(1970 + demo.rng.randrange(30), 1 + demo.rng.randrange(12), 1 + demo.rng.randrange(28))
        doc = check_document(DocumentType.ID_CARD, demo.id_number(origin, born, n % 2 == 0))
        phone = check_phone(f"139{demo.rng.randrange(10**8):08d}")
        data = {
            "name": name,
            "doc_type": DocumentType.ID_CARD,
            "arrival_date": demo.today - timedelta(days=days_ago),
            "transport": transport,
            "transport_number": number,
            "reason": reason,
            "host_address": address,
            "host_name": host,
        }
        submitted = register_visitor(
            gate,
            data,
            submission_key=f"demo-{demo.today:%Y%m%d}-{n}",
            doc=doc,
            phone=phone,
            origin=demo.divisions[origin],
            passed=[],
        )
        flagged += bool(submitted.registration.key_area_names)
        if n in (1, 2):  # the others are still at the gate (or on their way)
            log_visitor_entry(zhuang, submitted.registration, "36.5")
            entered += 1
    resident = Resident.objects.filter(household__enclosure=gate.enclosure, household__kind=HouseholdKind.OWNER).first()
    minutes_ago = (40, 25, 10)
    log_gate_passage(
        zhuang,
        gate,
        direction=Direction.IN,
        kind=PassageKind.RESIDENT,
        resident=resident,
        temperature="36.4",
        at=demo.now - timedelta(minutes=minutes_ago[0]),
    )
    log_gate_passage(
        zhuang,
        gate,
        direction=Direction.IN,
        kind=PassageKind.COURIER,
        note="外卖放门口取件台，居民自取",
        at=demo.now - timedelta(minutes=minutes_ago[1]),
    )
    log_gate_passage(
        zhuang,
        gate,
        direction=Direction.IN,
        kind=PassageKind.VEHICLE,
        plate="粤B·3K721",
        temperature="36.6",
        note="返乡探亲，已登记",
        at=demo.now - timedelta(minutes=minutes_ago[2]),
    )
    return f"来访：{DUTY_GATE} 今日登记 {len(VISITORS)} 人（重点地区 {flagged} 人，已放行 {entered} 人），出入记录 {entered + 3} 条"
