"""The reconciliation report's sections and the feedback file: masked, formula-safe, purpose recorded."""

import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.identity import check_phone
from alleykeeper.pushlist.models import Outcome, PushedPerson
from alleykeeper.pushlist.tests.files import csv_bytes, row
from alleykeeper.screening.actions import record_key_person
from alleykeeper.screening.models import KeyPersonSource
from testkit.world import make_id

pytestmark = pytest.mark.django_db

WANG_ID = make_id(order="124")


@pytest.fixture
def batch(world, import_list):
    # Found by screening and on the list; found by a visitor registration and on no list.
    record_key_person(None, community=world.community, name="王翠琳", source=KeyPersonSource.SCREENING,
                      resident=world.household_a.residents.get())  # fmt: skip
    record_key_person(None, community=world.community, name="林十一", source=KeyPersonSource.VISITOR,
                      phone=check_phone("13512345678"))  # fmt: skip
    batch = import_list(
        csv_bytes(
            [
                row("王翠琳", WANG_ID, number=1),
                row("赵六", "", "13500000001", address="@SUM(1)", number=2),
                row("钱七", "", "13500000002", note="-备注", number=3),
            ]
        )
    )
    # The import refuses such names now (test_import); lists imported before the check still hold them.
    PushedPerson.objects.filter(name="赵六").update(name='=HYPERLINK("http://x","点我")')
    PushedPerson.objects.filter(name="钱七").update(
        name="+钱七", outcome=Outcome.NOT_LIVING_HERE, outcome_note="=1+1 已离开"
    )
    return batch


def test_report_has_the_three_sections(batch, as_admin):
    page = as_admin.get(reverse("pushlist:report", args=[batch.pk])).content.decode()
    matched = page.split('id="section-matched"')[1].split("</section>")[0]
    open_ = page.split('id="section-open"')[1].split("</section>")[0]
    local = page.split('id="section-local"')[1].split("</section>")[0]
    settled = page.split('id="section-settled"')[1].split("</section>")[0]
    assert "一、已比对上（1）" in page and "王翠琳" in matched and "已排查" in matched
    assert "二、名单内尚未落实（1）" in page and "HYPERLINK" in open_
    assert "三、本地发现、不在推送名单（1）" in page and "林十一" in local and "王翠琳" not in local
    assert "135****5678" in local and "13512345678" not in page
    assert "+钱七" in settled and "不在本地居住" in settled


def test_export_xlsx_is_masked_formula_safe_and_audited(world, batch, as_admin):
    response = as_admin.post(
        reverse("pushlist:export", args=[batch.pk]), {"purpose": "report_upward", "format": "xlsx"}
    )
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0][:5] == ["分类", "名单行号", "姓名", "证件号码", "电话"]
    by_name = {r[2]: r for r in rows[1:]}
    assert by_name["王翠琳"][0] == "已比对上" and by_name["王翠琳"][3] == "350502********" + WANG_ID[-4:]
    assert by_name["王翠琳"][11] == "待核实" and by_name["王翠琳"][13] == "已排查"
    assert by_name['\'=HYPERLINK("http://x","点我")'][0] == "名单内尚未落实"
    assert by_name["'+钱七"][12] == "'=1+1 已离开" and by_name["'+钱七"][0] == "已核实，未在本地找到"
    assert by_name["林十一"][0] == "本地发现、不在推送名单" and by_name["林十一"][4] == "135****5678"
    text = repr(rows)
    assert WANG_ID not in text and "13512345678" not in text and "13500000001" not in text
    event = AuditEvent.objects.get(action="pushlist.export")
    assert (event.purpose, event.row_count, event.actor) == ("report_upward", 4, world.admin)
    assert event.detail == {"format": "xlsx"}


def test_export_csv_is_safe_too(batch, as_admin):
    response = as_admin.post(reverse("pushlist:export", args=[batch.pk]), {"purpose": "screening", "format": "csv"})
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in content and "'@SUM(1)" not in content  # the address is not exported
    assert ",'+钱七," in content and "'-备注" not in content
    assert AuditEvent.objects.get(action="pushlist.export").purpose == "screening"


@pytest.mark.parametrize(
    "data", [{"format": "xlsx"}, {"purpose": "gossip", "format": "xlsx"}, {"purpose": "screening", "format": "pdf"}]
)
def test_export_without_a_listed_purpose_is_refused(batch, as_admin, data):
    response = as_admin.post(reverse("pushlist:export", args=[batch.pk]), data)
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="pushlist.export").exists()
