"""The demo's home observation (the report's 小花 and 小强 families) and its push-list batch.

Called by demo_activity.load_demo_activity, inside its transaction, with its `Demo` (day, moment, people,
seeded RNG). Written only through observation.actions / followups / deliveries and pushlist.actions.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

from alleykeeper.core.identity import id_check_char
from alleykeeper.demo import data as plan
from alleykeeper.observation import schedule
from alleykeeper.observation.actions import CaseTerms, Person, open_cases
from alleykeeper.observation.deliveries import assign_request, create_request, deliver_request
from alleykeeper.observation.followups import Report, record_followup, tick
from alleykeeper.observation.models import DayZeroBasis, Mood, NeedKind, ObservationCase, Reason, RequestStatus
from alleykeeper.pushlist.actions import confirm_mapping, import_batch, set_outcome, upload_push_list
from alleykeeper.pushlist.matching import name_keys
from alleykeeper.pushlist.models import MatchState, Outcome
from alleykeeper.registry.models import Household, HouseholdKind, Resident


def _temperature(demo, previous: Decimal | None) -> Decimal:
    """A normal reading that differs from the last one (a run of equal readings is flagged as suspicious)."""
    while True:
        value = Decimal(f"{demo.rng.uniform(36.1, 36.9):.1f}")
        if value != previous:
            return value


def _family(note_word: str, size: int) -> tuple[Household, list[Resident]]:
    """The family the report names; a smaller party is the head and the named child (小强 and his father)."""
    household = Household.objects.filter(notes__contains=note_word).first()
    members = list(household.residents.order_by("id"))
    return household, members if size >= len(members) else [*members[: size - 1], members[-1]]


def observation(demo) -> str:
    """小花's family (3, back from 江西省抚州市 9 days ago) called by 王翠琳 twice a day; 小强's family (2,
    5 days ago) by 吴晶晶, whose groceries 李晓东 hangs on the door handle. This morning's call was done
    for 小花's family (a fever: retest asked) and not yet for 小强's; the tick then stores the states."""
    stories = (("小花", 3, 9, "wangcl", "361000"), ("小强", 2, 5, "wujj", "361002"))
    cases: dict[str, list[ObservationCase]] = {}
    followups = 0
    for word, size, days_ago, worker_name, origin in stories:
        household, people = _family(word, size)
        worker = demo.users[worker_name]
        day_zero = demo.today - timedelta(days=days_ago)
        opened = demo.at(day_zero, 15, 30)  # the family phoned the community the afternoon they arrived
        terms = CaseTerms(
            reason=Reason.KEY_AREA,
            day_zero_basis=DayZeroBasis.ARRIVAL,
            day_zero=day_zero,
            assigned_worker=worker,
            reason_note="全家自江西省抚州市返回，主动报告社区",
            origin=demo.divisions[origin],
        )
        cases[word] = open_cases(worker, household, [Person(r.name, resident=r) for r in people], terms, now=opened)
        last: dict[int, Decimal | None] = {}
        for due in schedule.due_times_between(opened, demo.today - timedelta(days=1)):
            for case in cases[word]:
                at = due + timedelta(minutes=demo.rng.randrange(-20, 40))
                last[case.pk] = _temperature(demo, last.get(case.pk))
                report = Report(temperature=last[case.pk], mood=demo.rng.choice([Mood.GOOD, Mood.GOOD, Mood.OK]))
                record_followup(worker, case, report, now=at)
                followups += 1
    followups += _today_and_deliveries(demo, cases)
    result = tick(demo.now)
    return (
        f"居家观察：{sum(len(c) for c in cases.values())} 人（小花一家、小强一家），随访 {followups} 次，"
        f"逾期 {result.overdue}、漏访 {result.missed}"
    )


def _today_and_deliveries(demo, cases: dict[str, list[ObservationCase]]) -> int:
    """This morning's calls to 小花's family (the girl has 37.6 °C: a retest is asked for), groceries for
    小强's family delivered yesterday and confirmed, and an open request for 小花's family."""
    wang, wu, li = demo.users["wangcl"], demo.users["wujj"], demo.users["lixd"]
    done = 0
    morning = schedule.due_times_on(demo.today)[0] + timedelta(minutes=10)
    call_at = min(morning, demo.now - timedelta(minutes=2))
    for case in cases["小花"]:
        fever = case.name.endswith("花")
        temperature = Decimal("37.6") if fever else _temperature(demo, None)
        note = "孩子说有点热，已请家属半小时后复测" if fever else ""
        record_followup(wang, case, Report(temperature=temperature, mood=Mood.OK, note=note), now=call_at)
        done += 1
    head = cases["小强"][0]
    yesterday = demo.today - timedelta(days=1)
    groceries = create_request(wu, head, NeedKind.GROCERIES, "青菜、鸡蛋、面线各一份", now=demo.at(yesterday, 9, 40))
    assign_request(wu, groceries, li, now=demo.at(yesterday, 9, 45))
    deliver_request(li, groceries, "挂在门把手上", now=demo.at(yesterday, 11, 20))
    gloves = create_request(wu, head, NeedKind.GLOVES, "手套和口罩，放在箱子里", now=demo.at(yesterday, 9, 41))
    assign_request(wu, gloves, li, now=demo.at(yesterday, 9, 46))
    deliver_request(li, gloves, "门口的纸箱里", now=demo.at(yesterday, 11, 25))
    # The family confirmed the groceries in the evening call; the gloves are still to be confirmed.
    evening = schedule.due_times_on(yesterday)[-1] + timedelta(minutes=30)
    record_followup(wu, head, Report(temperature=Decimal("36.5"), note="菜已收到", confirmations={groceries.pk: True}),
                    now=evening)  # fmt: skip
    done += 1
    requested = min(demo.now - timedelta(minutes=30), demo.at(demo.today, 9, 15))
    vegetables = create_request(wang, cases["小花"][0], NeedKind.GROCERIES, "大米 5 斤、时令蔬菜", now=requested)
    assign_request(wang, vegetables, li, now=requested + timedelta(minutes=5))
    assert vegetables.status == RequestStatus.ASSIGNED
    return done


# -- push list ------------------------------------------------------------------------------------------------

HEADER = ("姓名", "身份证号", "手机号", "来源地", "抵达日期", "现住址", "交通方式", "备注")
UNKNOWN_PEOPLE = ("胡国平", "万秀兰", "程志勇", "雷晓梅", "夏德明", "付婷婷", "邹建军", "毛玉珍")


def _homophone(name: str) -> str:
    """Another name that sounds the same (a clerk typed it by ear): the last character swapped for one of
    the same pinyin, from the demo's own given-name characters."""
    full = name_keys(name)[0]
    for char in plan.MALE_CHARS + plan.FEMALE_CHARS:
        other = name[:-1] + char
        if char != name[-1] and name_keys(other)[0] == full:
            return other
    return ""


def _rows(demo) -> list[tuple]:
    received = demo.today - timedelta(days=1)
    rows = []
    xiaohua = Household.objects.get(notes__contains="小花")
    residents = list(
        Resident.objects.filter(household__community=demo.community, household__kind=HouseholdKind.RENTAL)
        .exclude(doc_number_enc="")
        .exclude(key_records__isnull=False)
        .select_related("household__building__alley")
        .order_by("id")
    )
    picks = demo.rng.sample(residents, 20)
    for resident in list(xiaohua.residents.order_by("id")):
        rows.append((resident.name, resident.full_document_number(), "", "江西省抚州市", (demo.today - timedelta(days=9)),
                     xiaohua.address, "自驾", "返乡人员"))  # fmt: skip
    for resident in picks[:15]:  # matched by ID number
        origin = demo.rng.choice(("湖北省武汉市", "湖北省孝感市", "江西省抚州市"))
        arrival = received - timedelta(days=demo.rng.randrange(2, 12))
        rows.append((resident.name, resident.full_document_number(), "", origin, arrival, resident.household.address,
                     demo.rng.choice(("火车", "自驾", "长途客车")), ""))  # fmt: skip
    by_phone = next(r for r in picks[15:] if r.phone_enc and r.full_phone().startswith("1"))
    rows.append(
        (by_phone.name, "", by_phone.full_phone(), "湖北省武汉市", received - timedelta(days=4), "", "G1762", "")
    )
    for resident in picks[15:]:
        sound_alike = _homophone(resident.name) if resident is not by_phone else ""
        if sound_alike:
            rows.append((sound_alike, "", "", "湖北省孝感市", received - timedelta(days=5),
                         resident.household.address, "自驾", "电话登记，姓名按读音记录"))  # fmt: skip
            break
    for n, name in enumerate(UNKNOWN_PEOPLE):
        born = received - timedelta(days=365 * (25 + 3 * n) + demo.rng.randrange(365))
        first17 = f"420102{born:%Y%m%d}{demo.rng.randrange(500) * 2 + n % 2:03d}"
        rows.append((name, first17 + id_check_char(first17), f"186{demo.rng.randrange(10**8):08d}", "湖北省武汉市",
                     received - timedelta(days=demo.rng.randrange(1, 20)), "开元街道", "火车", ""))  # fmt: skip
    return rows


def push_list(demo) -> str:
    """Yesterday's batch from the district's big-data list, imported as the upload page does (upload,
    confirm the guessed columns, import), then a few outcomes recorded by the workers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in _rows(demo):
        writer.writerow([value.isoformat() if hasattr(value, "isoformat") else value for value in row])
    received = demo.today - timedelta(days=1)
    admin = demo.users["chenyl"]
    uploaded = upload_push_list(
        admin,
        demo.community,
        [buffer.getvalue().encode("utf-8")],
        f"大数据推送名单-{received:%Y%m%d}.csv",
        received_on=received,
        source="鲤城区疫情防控指挥部",
        note="演示数据",
    )
    batch = confirm_mapping(uploaded.batch, uploaded.batch.mapping)
    counts = import_batch(admin, batch)
    people = list(batch.people.order_by("row_number"))
    matched = [p for p in people if p.match_state == MatchState.MATCHED]
    unmatched = [p for p in people if p.match_state == MatchState.UNMATCHED]
    # Workers confirm a few matched tenants; 小花's family is already under observation (left as matched).
    xiaohua = Household.objects.get(notes__contains="小花").pk
    for person in [p for p in matched if p.household_id != xiaohua][:4]:
        set_outcome(admin, person, Outcome.SCREENED, "电话核实，已在排查中")
    for person, outcome, note in zip(
        unmatched,
        (Outcome.NOT_LIVING_HERE, Outcome.PASSED_THROUGH),
        ("房东称已退租回老家", "经停泉州转车，未在本地停留"),
        strict=False,
    ):
        set_outcome(admin, person, outcome, note)
    return (
        f"推送比对：{received:%m月%d日} 名单 {counts.imported} 人，比对上 {counts.matched}，"
        f"待确认 {counts.review}，未比对上 {counts.unmatched}"
    )
