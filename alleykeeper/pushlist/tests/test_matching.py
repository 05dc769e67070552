"""Each match rule, its reason and confidence; proposed outcomes; set-based matching."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alleykeeper.pushlist import actions, prepare
from alleykeeper.pushlist.models import MatchState, MatchStatus, Outcome, PushBatch, PushedPerson, PushMatch
from alleykeeper.pushlist.tests.files import csv_bytes, row
from alleykeeper.screening.actions import record_key_person
from alleykeeper.screening.models import KeyPersonSource
from testkit.world import add_resident, make_household, make_id

pytestmark = pytest.mark.django_db

WANG_ID = make_id(order="124")  # 王翠琳, grid A, 3号楼302, 13859901234
WU_ID = make_id(born="19900101", order="246")  # 吴晶晶, grid B, 8号楼101, 13600001111
STRANGER_ID = make_id(address="420102", born="19880808", order="135")


def cn(number: int) -> str:
    """A number in Chinese digits: names in test data have no digits (the name check refuses them)."""
    return str(number).translate(str.maketrans("0123456789", "〇一二三四五六七八九"))


def _one(import_list, *rows) -> PushedPerson:
    import_list(csv_bytes(list(rows)))
    return PushedPerson.objects.get()


def _people(import_list, *rows) -> dict[str, PushedPerson]:
    import_list(csv_bytes(list(rows)))
    return {p.name: p for p in PushedPerson.objects.all()}


def test_same_id_number_is_certain(world, import_list):
    person = _one(import_list, row("王翠琳", WANG_ID, "13900000000"))
    assert person.match_state == MatchState.MATCHED and person.match_rule == "id"
    assert person.match_confidence == 100 and person.match_reason == "证件号码一致"
    assert person.grid == world.grid_a and person.household == world.household_a
    match = PushMatch.objects.get()
    assert match.status == MatchStatus.AUTO and match.resident.name == "王翠琳"
    assert person.proposed_outcome == Outcome.MISSED  # lives here, but screening did not find them
    # The same number as the register's: its ciphertext is reused, and reads back as the same value.
    resident = world.household_a.residents.get()
    assert person.doc_number_enc == resident.doc_number_enc and person.full_document_number() == WANG_ID
    assert person.phone_masked == "139****0000" and person.full_phone() == "13900000000"


def test_same_id_with_another_name_says_so(import_list):
    person = _one(import_list, row("王翠兰", WANG_ID))
    assert person.match_rule == "id" and "与台账“王翠琳”不同" in person.match_reason


def test_phone_rules(world, import_list):
    people = _people(
        import_list,
        row("王翠琳", "", "+86 138 5990 1234", number=1),  # same phone, same name: certain
        row("吴京京", "", "13600001111", number=2),  # same phone, a homophone: certain enough
        row("王小宝", "", "136-0000-1111", number=3),  # same phone, another name: a family member?
        row("吴晶晶", STRANGER_ID, "0086 13600001111", number=4),  # same phone, another ID: doubtful
    )
    wang = people["王翠琳"]
    assert (wang.match_state, wang.match_rule, wang.match_confidence) == (MatchState.MATCHED, "phone", 95)
    assert wang.match_reason == "电话一致，姓名一致"
    jing = people["吴京京"]
    assert jing.match_state == MatchState.MATCHED and jing.match_confidence == 90 and "同音" in jing.match_reason
    bao = people["王小宝"]
    assert bao.match_state == MatchState.REVIEW and bao.grid is None
    candidate = bao.matches.get()
    assert (candidate.confidence, candidate.status, candidate.grid) == (60, MatchStatus.PENDING, world.grid_b)
    assert "可能是家人的号码" in candidate.reason
    other = people["吴晶晶"].matches.get()
    assert other.confidence == 40 and other.reason == "电话一致，但证件号码不同"


@pytest.fixture
def li(world):
    return add_resident(world.household_a, "李建国", birth_date=date(1960, 5, 5))


def test_name_and_address_is_for_review(li, import_list):
    person = _one(import_list, row("李 建国", "", "13700000000", address="开元街道3号楼302室"))
    assert person.match_state == MatchState.REVIEW
    match = person.matches.get()
    assert match.rule == "name_address" and match.confidence == 85 and match.status == MatchStatus.PENDING
    assert match.reason == "姓名一致，住址一致（3号楼302）"


def test_name_address_and_birth_date_together_are_certain(li, import_list):
    born_1960 = make_id(born="19600505", order="311")
    person = _one(import_list, row("李建国", born_1960, "", address="3栋302"))
    assert person.match_state == MatchState.MATCHED and person.match_rule == "name_address"
    assert person.match_reason == "姓名一致，住址一致（3号楼302），出生日期一致"


def test_homophones_initials_and_other_birth_dates(li, import_list):
    people = _people(
        import_list,
        row("李剑国", "", "", address="3号楼302", number=1),  # 剑/建: same pinyin
        row("李剑光", "", "", address="3号楼302", number=2),  # same initials ljg, same surname
        row("李建国", make_id(born="19991111", order="555"), "", address="3号楼302", number=3),
    )
    homophone = people["李剑国"].matches.get()
    assert homophone.confidence == 75 and homophone.reason.startswith("姓名同音（台账为“李建国”）")
    initials = people["李剑光"].matches.get()
    assert initials.confidence == 55 and "首字母" in initials.reason
    other_birth = people["李建国"].matches.get()
    assert other_birth.confidence == 55 and "出生日期不同" in other_birth.reason


def test_a_name_alone_proposes_someone_only_when_rare(world, li, import_list):
    person = _one(import_list, row("李建国", "", "13700000000"))
    match = person.matches.get()
    assert match.rule == "name" and match.confidence == 40 and match.status == MatchStatus.PENDING
    PushedPerson.objects.all().delete()
    for room in ("401", "402", "403"):
        add_resident(make_household(world.grid_a, "5号楼", room), "李建国")
    people = _people(import_list, row("李建国", "", "13700000001"))
    assert people["李建国"].match_state == MatchState.UNMATCHED  # four namesakes, nothing else to go on


def test_key_person_match_marks_them_on_the_push_list(world, import_list):
    resident = world.household_a.residents.get()
    key = record_key_person(None, community=world.community, name="王翠琳", source=KeyPersonSource.SCREENING,
                            resident=resident)  # fmt: skip
    visitor = record_key_person(None, community=world.community, name="赵六", source=KeyPersonSource.VISITOR)
    assert not key.on_push_list
    people = _people(import_list, row("王翠琳", WANG_ID, number=1), row("赵六", "", "13500000000", number=2))
    wang = people["王翠琳"]
    assert wang.key_person == key and wang.proposed_outcome == Outcome.SCREENED
    key.refresh_from_db()
    assert key.on_push_list
    visitor.refresh_from_db()
    assert not visitor.on_push_list
    zhao = people["赵六"]
    assert zhao.match_state == MatchState.REVIEW and zhao.matches.get().reason == "姓名与重点人员一致"


def test_proposed_outcomes_for_people_not_found(import_list):
    people = _people(
        import_list,
        row("钱七", STRANGER_ID, "13500000001", arrival="2020-01-05", number=1),
        row("孙八", "", "13500000002", note="途经武汉中转，未停留", number=2),
        row("周九", WANG_ID[:-1] + ("1" if WANG_ID[-1] != "1" else "2"), "", number=3),
        row("吴十", STRANGER_ID.replace("135", "137", 1), "13500000004", number=4),
    )
    assert people["钱七"].proposed_outcome == Outcome.PAST_WINDOW and "超过 14 天" in people["钱七"].proposed_reason
    assert people["孙八"].proposed_outcome == Outcome.PASSED_THROUGH
    zhou = people["周九"]
    assert zhou.proposed_outcome == Outcome.WRONG_INFO and "校验位" in zhou.problems[0]
    assert zhou.doc_number_masked and not zhou.doc_number_index  # kept to be corrected, never matched
    assert people["吴十"].proposed_outcome == "" and "电话核实" in people["吴十"].proposed_reason


def test_matching_runs_a_fixed_number_of_queries(world, import_list):
    """Set-based: the queries of an import do not grow with its rows (SQLite splits big inserts, a few
    more queries for many more rows; a query per row would add hundreds)."""

    def queries_for(count: int, offset: int) -> int:
        rows = [row("路人" + cn(i), "", f"135{offset + i:08d}", number=i) for i in range(count)]
        rows += [row("王翠琳", WANG_ID, number=count + 1), row("李四", "", "13859901234", number=count + 2)]
        uploaded = actions.upload_push_list(
            world.admin, world.community, [csv_bytes(rows)], "x.csv", received_on=date(2020, 2, 3)
        )
        actions.confirm_mapping(uploaded.batch, uploaded.batch.mapping)
        with CaptureQueriesContext(connection) as captured:
            actions.import_batch(world.admin, uploaded.batch)
        return len(captured)

    small, large = queries_for(5, 0), queries_for(300, 1000)
    assert small <= 15 and large - small < 20


def test_worker_processes_prepare_the_same_result(world, settings, monkeypatch, import_list):
    """A large list is prepared by forked workers; the outcome is the same as preparing it in-process."""
    rows = [row("王翠琳", WANG_ID, "13859901234", number=1), row("吴京京", "", "13600001111", number=2)]
    rows += [row("路人" + cn(i), "", f"135{i:08d}", number=i) for i in range(3, 40)]
    rows += [row("", "", "", number=40), row("王翠琳", WANG_ID, "", number=41)]
    serial = _people(import_list, *rows)
    serial_view = {name: (p.match_state, p.match_reason, p.proposed_outcome) for name, p in serial.items()}
    PushBatch.objects.all().delete()
    monkeypatch.setattr(prepare, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(prepare, "CHUNK", 7)
    settings.PUSHLIST_IMPORT_PROCESSES = 2
    assert prepare.processes_for(41) == 2
    batch = import_list(csv_bytes(rows))
    parallel = {p.name: p for p in PushedPerson.objects.all()}
    assert {name: (p.match_state, p.match_reason, p.proposed_outcome) for name, p in parallel.items()} == serial_view
    assert parallel["王翠琳"].full_phone() == "13859901234"
    assert [e["row"] for e in batch.errors] == [43, 44]  # the empty row and the duplicate, in file order
