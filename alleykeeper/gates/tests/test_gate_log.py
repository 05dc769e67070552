"""The gate log through HTTP: residents, couriers, vehicles, temperatures, visitors, scope and escaping."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alleykeeper.gates import actions
from alleykeeper.gates.models import Direction, GateFlag, GateLogEntry, PassageKind
from alleykeeper.gates.tests.conftest import client_for
from testkit.world import add_resident, make_id

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _record(client, to_gate, htmx=False, **data):
    return client.post(reverse("gates:log_record", args=[to_gate.pk]), data, **(HTMX if htmx else {}))


def test_find_a_resident_and_log_entry(world, gw, as_duty):
    resident = world.household_a.residents.get()
    lookup = reverse("gates:log_lookup", args=[gw.gate.pk])
    for query in ("王翠", "wcl", "302", "3号楼302"):
        page = as_duty.post(lookup, {"q": query}, **HTMX).content.decode()
        assert "王翠琳" in page and f"in:resident:{resident.pk}" in page, query
        assert resident.doc_number_masked in page and resident.full_document_number() not in page
        assert "13859901234" not in page
    response = _record(as_duty, gw.gate, htmx=True, tap=f"in:resident:{resident.pk}", temperature="36.5", q="王翠")
    page = response.content.decode()
    assert response.status_code == 200 and "已登记：王翠琳 进" in page
    entry = GateLogEntry.objects.get()
    assert (entry.kind, entry.direction, entry.resident, entry.recorded_by) == (
        PassageKind.RESIDENT,
        Direction.IN,
        resident,
        world.duty,
    )
    assert str(entry.temperature) == "36.5" and entry.flags == ""
    # Without JavaScript: the same form posts and redirects back with a message.
    response = _record(as_duty, gw.gate, tap=f"out:resident:{resident.pk}")
    assert response.status_code == 302
    assert GateLogEntry.objects.filter(direction=Direction.OUT, resident=resident).exists()


def test_enter_in_a_field_searches_and_never_logs(world, gw, as_duty):
    page = _record(as_duty, gw.gate, tap="find", q="王", temperature="36.6").content.decode()
    assert "王翠琳" in page and 'value="36.6"' in page
    assert not GateLogEntry.objects.exists()


def test_resident_lookup_and_logging_are_scoped(world, gw, as_duty):
    foreign = world.household_other.residents.get()
    page = as_duty.post(reverse("gates:log_lookup", args=[gw.gate.pk]), {"q": foreign.name}, **HTMX).content.decode()
    assert foreign.name not in page and "没有找到" in page
    # A forged resident id of another community: 404, nothing written.
    response = _record(as_duty, gw.gate, tap=f"in:resident:{foreign.pk}")
    assert response.status_code == 404 and not GateLogEntry.objects.exists()
    # A resident of the community but another enclosure is logged and flagged.
    other = world.household_b.residents.get()
    _record(as_duty, gw.gate, tap=f"in:resident:{other.pk}")
    assert GateLogEntry.objects.get().flag_codes == [GateFlag.OTHER_ENCLOSURE]


def test_who_may_open_the_gate_log(world, gw, personas):
    url = reverse("gates:log", args=[gw.gate.pk])
    assert personas["duty"].get(url).status_code == 200
    assert personas["admin"].get(url).status_code == 200
    for persona in ("volunteer", "worker_a", "worker_b", "officer"):  # not on duty there now
        assert personas[persona].get(url).status_code == 404, persona
    assert client_for(gw.other_duty).get(url).status_code == 404  # worker of another community
    assert client_for(gw.other_admin).get(url).status_code == 404
    assert personas["anonymous"].get(url).status_code == 302
    assert _record(client_for(gw.other_duty), gw.gate, tap="in:courier").status_code == 404
    assert personas["duty"].get(reverse("gates:log", args=[gw.other_gate.pk])).status_code == 404
    assert not GateLogEntry.objects.exists()


def test_courier_is_kept_outside(world, gw, as_duty):
    page = _record(as_duty, gw.gate, htmx=True, tap="in:courier", note="美团").content.decode()
    assert "快递/外卖，拦于门外" in page and "美团" in page
    _record(as_duty, gw.gate, tap="out:courier")  # a forged direction changes nothing
    entries = GateLogEntry.objects.all()
    assert [e.kind for e in entries] == [PassageKind.COURIER] * 2
    assert {e.direction for e in entries} == {Direction.IN}
    assert all(e.flag_codes == [GateFlag.KEPT_OUTSIDE] for e in entries)
    assert GateLogEntry.objects.flagged(GateFlag.KEPT_OUTSIDE).count() == 2


def test_vehicle_plates(world, gw, as_duty, settings):
    page = _record(as_duty, gw.gate, htmx=True, tap="in:vehicle", plate="粤b·12345").content.decode()
    assert "外省车牌" in page and "粤B12345" in page
    _record(as_duty, gw.gate, tap="out:vehicle", plate="闽C 12345")
    _record(as_duty, gw.gate, tap="in:vehicle", plate="闽DD12345")  # new-energy plate
    flagged = GateLogEntry.objects.flagged(GateFlag.OUT_OF_PROVINCE)
    assert list(flagged.values_list("plate", flat=True)) == ["粤B12345"]
    assert set(GateLogEntry.objects.values_list("plate", flat=True)) == {"粤B12345", "闽C12345", "闽DD12345"}
    for bad in ("ABC123", "闽", "", "闽C12"):
        response = _record(as_duty, gw.gate, tap="in:vehicle", plate=bad, temperature="36.4")
        page = response.content.decode()
        assert response.status_code == 400 and "车牌号" in page, bad
        assert 'value="36.4"' in page  # what was typed is kept
    assert GateLogEntry.objects.count() == 3
    settings.HOME_PLATE_PREFIX = "粤"
    _record(as_duty, gw.gate, tap="in:vehicle", plate="粤B54321")
    assert not GateLogEntry.objects.flagged(GateFlag.OUT_OF_PROVINCE).filter(plate="粤B54321").exists()


def test_fever_is_flagged(world, gw, as_duty):
    resident = world.household_a.residents.get()
    page = _record(as_duty, gw.gate, htmx=True, tap=f"in:resident:{resident.pk}", temperature="37.3").content.decode()
    assert "达到发热标准" in page and "体温异常" in page and "发热 1" in page
    _record(as_duty, gw.gate, tap=f"in:resident:{resident.pk}", temperature="３７．２")  # full-width digits
    entries = {str(e.temperature): e.flag_codes for e in GateLogEntry.objects.all()}
    assert entries == {"37.3": [GateFlag.FEVER], "37.2": []}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("45", "不在 34.0–43.0 ℃ 的合理范围内"),
        ("30", "不在 34.0–43.0 ℃ 的合理范围内"),
        ("abc", "不是数字"),
        ("98.6", "像是华氏度"),
        ("NaN", "请输入如 36.5 的读数"),
        ("3 6 . 5 x", "不是数字"),
    ],
)
def test_invalid_temperature_is_refused_with_a_clear_message(world, gw, as_duty, typed, message):
    resident = world.household_a.residents.get()
    response = _record(as_duty, gw.gate, tap=f"in:resident:{resident.pk}", temperature=typed)
    assert response.status_code == 400 and message in response.content.decode()
    htmx = _record(as_duty, gw.gate, htmx=True, tap="in:courier", temperature=typed)
    assert htmx.status_code == 200 and message in htmx.content.decode()
    assert not GateLogEntry.objects.exists()


def test_the_action_refuses_what_the_form_refuses(world, gw):
    with pytest.raises(actions.GateLogError, match="合理范围"):
        actions.log_gate_passage(world.duty, gw.gate, direction="in", kind="courier", temperature="45")
    with pytest.raises(actions.GateLogError, match="找到这位居民"):
        actions.log_gate_passage(world.duty, gw.gate, direction="in", kind="resident")
    with pytest.raises(actions.GateLogError, match="不是本社区"):
        resident = world.household_other.residents.get()
        actions.log_gate_passage(world.duty, gw.gate, direction="in", kind="resident", resident=resident)
    assert not GateLogEntry.objects.exists()


def test_visitors(world, gw, as_duty):
    # Entry goes to the visitors app's live list, which checks the code against the registrations.
    response = _record(as_duty, gw.gate, tap="in:visitor", visitor_code=" 7kq4md ")
    assert response.status_code == 302 and response["Location"].endswith("?code=7KQ4MD")
    response = _record(as_duty, gw.gate, htmx=True, tap="in:visitor", visitor_code="7KQ4MD")
    assert response["HX-Redirect"].endswith("?code=7KQ4MD")
    page = _record(as_duty, gw.gate, tap="in:visitor", visitor_code="<b>").content.decode()
    assert "登记码“&lt;B&gt;”格式不对" in page
    # Exit needs an entry with that code in the enclosure (the visitors app logs entries with this action).
    page = _record(as_duty, gw.gate, tap="out:visitor", visitor_code="7KQ4MD").content.decode()
    assert "没有进入记录" in page
    actions.log_gate_passage(
        world.duty,
        gw.other_gate,
        direction="in",
        kind="visitor",
        visitor_code="7KQ4MD",
        extra_flags=[GateFlag.KEY_AREA],
    )
    _record(as_duty, gw.gate, tap="out:visitor", visitor_code="7kq4md")
    assert GateLogEntry.objects.filter(kind=PassageKind.VISITOR, direction=Direction.OUT, gate=gw.gate).exists()
    page = as_duty.get(reverse("gates:log", args=[gw.gate.pk])).content.decode()
    assert '访客 <span class="mono">7KQ4MD</span>' in page


def test_residents_only_gate_flags_visitors(world, gw):
    gw.gate.state = "residents_only"
    gw.gate.save(update_fields=["state"])
    entry = actions.log_gate_passage(world.duty, gw.gate, direction="in", kind="visitor", visitor_code="ABCD12")
    assert entry.flag_codes == [GateFlag.GATE_STATE]


def test_hostile_names_are_escaped(world, gw, as_duty):
    hostile = add_resident(world.household_a, "<script>alert(1)</script>", make_id(born="19991231", order="135"))
    _record(as_duty, gw.gate, tap=f"in:resident:{hostile.pk}", note="<img src=x onerror=alert(2)>")
    _record(as_duty, gw.gate, tap="in:courier", note="<img src=x onerror=alert(2)>")
    page = as_duty.get(reverse("gates:log", args=[gw.gate.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    found = as_duty.post(reverse("gates:log_lookup", args=[gw.gate.pk]), {"q": "<scr"}, **HTMX).content.decode()
    assert "<script>alert(1)" not in found and "&lt;script&gt;" in found
    duty_page = client_for(world.admin).get(reverse("gates:roster", args=[gw.gate.pk])).content.decode()
    assert "<script>alert" not in duty_page


def _log_queries(client, gate) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("gates:log", args=[gate.pk])).status_code == 200
    return len(queries)


def test_log_page_runs_a_fixed_number_of_queries(world, gw, as_duty):
    resident = world.household_a.residents.get()
    actions.log_gate_passage(world.duty, gw.gate, direction="in", kind="resident", resident=resident)
    few = _log_queries(as_duty, gw.gate)
    for index in range(12):
        kind = ("resident", "courier", "vehicle")[index % 3]
        actions.log_gate_passage(
            world.admin, gw.gate, direction="out", kind=kind, resident=resident, plate="粤B12345", temperature="36.8"
        )
    assert _log_queries(as_duty, gw.gate) == few


def test_retention_queryset(world, gw):
    old = actions.log_gate_passage(
        world.duty, gw.gate, direction="in", kind="courier", at=timezone.now() - timedelta(days=30)
    )
    actions.log_gate_passage(world.duty, gw.gate, direction="in", kind="courier")
    assert list(GateLogEntry.objects.older_than(timezone.now() - timedelta(days=28))) == [old]


def test_extra_posted_fields_change_nothing(world, gw, as_duty):
    resident = world.household_a.residents.get()
    _record(
        as_duty,
        gw.gate,
        tap=f"in:resident:{resident.pk}",
        temperature="36.6",
        flags=" fever ",
        at="2020-01-01T00:00:00Z",
        recorded_by=world.admin.pk,
        gate=gw.foreign_gate.pk,
        kind="vehicle",
    )
    entry = GateLogEntry.objects.get()
    assert entry.flags == "" and entry.recorded_by == world.duty and entry.gate == gw.gate
    assert entry.kind == PassageKind.RESIDENT and entry.at > timezone.now() - timedelta(minutes=1)


def _today_list(client, gate, show: str):
    return client.get(reverse("gates:log_today", args=[gate.pk]), {"show": show})


def test_each_count_of_today_opens_the_entries_it_counts(world, gw, as_duty):
    """The log page's and the duty home's counts (进入, 外出, 拦于门外, 体温异常) each open today's entries they
    count at that gate, as many rows as the count; yesterday's and another gate's entries are not in them."""
    resident = world.household_a.residents.get()
    log = actions.log_gate_passage
    log(world.duty, gw.gate, direction="in", kind="resident", resident=resident, temperature="37.6")
    log(world.duty, gw.gate, direction="in", kind="vehicle", plate="闽C12345")
    log(world.duty, gw.gate, direction="out", kind="resident", resident=resident)
    log(world.duty, gw.gate, direction="in", kind="courier", note="顺丰")
    log(world.duty, gw.gate, direction="in", kind="vehicle", plate="闽C99999", at=timezone.now() - timedelta(days=1))
    log(world.admin, gw.other_gate, direction="in", kind="vehicle", plate="闽C77777")
    expected = {
        "entered": ("2 条", ["王翠琳", "闽C12345"], ["顺丰"]),
        "left": ("1 条", ["王翠琳"], ["闽C12345", "顺丰"]),
        "kept_outside": ("1 条", ["顺丰"], ["王翠琳", "闽C12345"]),
        "fever": ("1 条", ["王翠琳", "37.6℃"], ["闽C12345", "顺丰"]),
    }
    for show, (count, present, absent) in expected.items():
        response = _today_list(as_duty, gw.gate, show)
        page = response.content.decode()
        assert response.status_code == 200 and f"：{count}" in page, show
        assert page.count('<li class="row">') == int(count.split()[0]), show
        assert all(text in page for text in present) and not any(text in page for text in absent), show
        assert "闽C99999" not in page and "闽C77777" not in page, show
    # An unknown or missing choice shows the entries let in.
    assert "进入：2 条" in _today_list(as_duty, gw.gate, "<script>").content.decode()
    # Each count of the log page links to its list, and the list's tabs carry the counts.
    log_page = as_duty.get(reverse("gates:log", args=[gw.gate.pk])).content.decode()
    for show in expected:
        assert f"{reverse('gates:log_today', args=[gw.gate.pk])}?show={show}" in log_page, show
    assert "体温异常 1</a>" in _today_list(as_duty, gw.gate, "left").content.decode()


def test_todays_lists_are_for_those_who_may_work_at_the_gate(world, gw, personas):
    assert _today_list(personas["duty"], gw.gate, "fever").status_code == 200
    assert _today_list(personas["admin"], gw.gate, "fever").status_code == 200
    for persona in ("volunteer", "worker_a", "officer"):
        assert _today_list(personas[persona], gw.gate, "fever").status_code == 404, persona
    assert _today_list(client_for(gw.other_admin), gw.gate, "fever").status_code == 404
    assert _today_list(personas["duty"], gw.other_gate, "fever").status_code == 404  # not on duty there
    assert _today_list(personas["anonymous"], gw.gate, "fever").status_code == 302


def test_todays_list_runs_a_fixed_number_of_queries(world, gw, as_duty):
    resident = world.household_a.residents.get()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _today_list(as_duty, gw.gate, "entered").status_code == 200
        return len(captured)

    actions.log_gate_passage(world.duty, gw.gate, direction="in", kind="resident", resident=resident)
    few = queries()
    for _ in range(8):
        actions.log_gate_passage(world.duty, gw.gate, direction="in", kind="resident", resident=resident)
        actions.log_gate_passage(world.duty, gw.gate, direction="in", kind="vehicle", plate="闽C12345")
    assert queries() == few


def test_a_phone_typed_into_the_note_is_masked(world, gw, as_duty):
    _record(as_duty, gw.gate, tap="in:courier", note="顺丰 13912345678")
    assert GateLogEntry.objects.get().note == "顺丰 139****5678"
