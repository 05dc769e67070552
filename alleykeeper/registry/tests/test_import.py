"""Register import through HTTP and the command: good files, broken rows, the report, idempotence, scope.

Bad inputs tried here: a bad check digit, a bad phone, a missing name, a grid of another community, a grid
that does not exist, a kind and a relation nobody uses, the same ID twice in one file, an ID registered to
another household (here and in another community), an ID typed into another column, a formula in a cell,
unknown headers, one column mapped twice. Hostile files (types, zip bombs, limits, numeric IDs) are in
test_import_hostile.py.
"""

import io
import os
import zipfile
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import check_person_name
from alleykeeper.registry.models import Household, ImportJob, ImportStatus, Resident
from alleykeeper.registry.tests.import_files import (
    HEADER,
    confirm,
    counts,
    csv_bytes,
    good_rows,
    run,
    start,
    upload,
    xlsx_bytes,
)
from testkit.world import make_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_uploads")]


def test_good_xlsx_imports_everything_sealed_and_audited(world, as_admin, private_uploads):
    before = counts()
    job = start(as_admin, xlsx_bytes(good_rows()))
    job.refresh_from_db()
    page = as_admin.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert "确认各列对应的字段" in page and "身份证号" in page
    job = confirm(as_admin, job)
    assert job.status == ImportStatus.DONE, (job.message, job.errors)
    assert counts() == (before[0] + 2, before[1] + 3)
    son = Resident.objects.get(name="林小明")
    assert son.doc_number_index == blind_index("doc", make_id(born="20100203", order="313"))
    assert son.doc_number_masked.startswith("350502") and son.birth_date.year == 2010 and son.sex == "M"
    assert son.relation == "child" and son.household.grid == world.grid_a and son.name_initials == "lxm"
    rental = Household.objects.get(room="2")
    assert (
        rental.kind == "rental" and rental.landlord_name == "黄房东" and rental.landlord_phone_masked.endswith("3456")
    )
    event = AuditEvent.objects.get(action="register.import")
    assert event.row_count == 3 and event.detail["residents_created"] == 3 and event.actor == world.admin
    assert make_id(order="311") not in str(event.detail) + event.object_label
    assert not list((private_uploads / "imports").glob("*")), "the upload must be deleted after import"
    page = as_admin.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert "新增住户 2 户" in page and "新增居民 3 人" in page


def test_csv_utf8_with_bom_and_gbk(world, as_admin):
    job = run(as_admin, csv_bytes(good_rows()[:1]), "台账.csv")
    assert job.status == ImportStatus.DONE and job.encoding == "utf-8-sig"
    assert Resident.objects.filter(name="林美华").exists()
    job = run(as_admin, csv_bytes(good_rows()[2:], encoding="gbk"), "gbk.csv")
    assert job.status == ImportStatus.DONE and job.encoding == "gb18030", job.message
    assert Resident.objects.get(name="张租客").household.landlord_name == "黄房东"


def test_same_file_twice_adds_nothing(world, as_admin):
    content = xlsx_bytes(good_rows())
    run(as_admin, content)
    after_first = counts()
    job = run(as_admin, content)
    assert job.status == ImportStatus.DONE and counts() == after_first
    assert job.result["households_created"] == job.result["residents_created"] == 0
    assert job.result["residents_updated"] == job.result["households_updated"] == 0
    assert AuditEvent.objects.filter(action="register.import").count() == 2


def test_reimport_updates_and_never_erases(world, as_admin):
    run(as_admin, xlsx_bytes(good_rows()))
    changed = good_rows()
    changed[0][10] = ""  # a blank phone does not erase the phone on record
    changed[1][11] = "户主"  # ...but a changed relation is written
    job = run(as_admin, xlsx_bytes(changed))
    assert job.result["residents_updated"] == 1 and job.result["residents_created"] == 0
    assert Resident.objects.get(name="林美华").phone_masked == "138****1234"
    assert Resident.objects.get(name="林小明").relation == "head"


def test_other_headers_title_rows_and_manual_mapping(world, as_admin):
    header = ["序号", "所属网格", "街巷", "楼幢", "门牌号", "居民", "公民身份号码", "手机号码", "居住情况"]
    rows = [[1, "第一网格", "后巷", "7号", "201", "郑晓", make_id(order="517"), "13500000001", "暂住"]]
    above = [["开元社区人口台账（2020年2月）"], ["填报单位：开元社区", "", "", "填报日期：2020-02-05"]]
    job = start(as_admin, xlsx_bytes(rows, header, above=above))
    job.refresh_from_db()
    assert job.header_row == 2 and job.status == ImportStatus.MAPPING
    assert job.mapping["doc_number"] == 6 and job.mapping["phone"] == 7 and job.mapping["room"] == 4
    assert job.mapping["alley"] == 2 and job.mapping["building"] == 3 and "name" not in job.mapping
    response = as_admin.post(
        reverse("registry:import_job", args=[job.pk]),
        {"header_row": 3, **{f"map_{k}": str(v) for k, v in job.mapping.items()}},
    )
    assert response.status_code == 400 and "请为这些必填字段选择列：姓名" in response.content.decode()
    job = confirm(as_admin, job, map_name="5")
    assert job.status == ImportStatus.DONE, job.errors
    person = Resident.objects.get(name="郑晓")
    assert person.status == "temporary" and person.household.building.name == "7号"


def test_one_column_for_two_fields_is_refused(world, as_admin):
    job = start(as_admin, xlsx_bytes(good_rows()))
    job.refresh_from_db()
    data = {"header_row": 1, **{f"map_{k}": str(v) for k, v in job.mapping.items()}, "map_notes": "8"}
    response = as_admin.post(reverse("registry:import_job", args=[job.pk]), data)
    assert "一列只能对应一个字段" in response.content.decode()


def test_changing_the_header_row_reads_the_headers_again(world, as_admin):
    job = start(as_admin, xlsx_bytes(good_rows(), above=[["说明：以下为台账"]]))
    job.refresh_from_db()
    assert job.header_row == 1
    as_admin.post(reverse("registry:import_job", args=[job.pk]), {"header_row": 1})
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING and job.header_row == 0 and job.columns[0] == "说明：以下为台账"
    # A row beyond the file's last is said, and what was read stays (it once fell back to a guess silently).
    as_admin.post(reverse("registry:import_job", args=[job.pk]), {"header_row": 40})
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING and job.header_row == 0 and job.columns[0] == "说明：以下为台账"
    page = as_admin.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert "文件只有 5 行，没有第 40 行。表头行请填 1 到 5 之间的行号。" in page


def test_default_grid_for_a_file_without_grid_column(world, as_admin):
    header = HEADER[1:]
    rows = [row[1:] for row in good_rows()[:2]]
    job = run(as_admin, xlsx_bytes(rows, header), default_grid=world.grid_b.pk)
    assert job.status == ImportStatus.DONE
    assert set(Household.objects.filter(room="101", building__name="5号楼").values_list("grid", flat=True)) == {
        world.grid_b.pk
    }


BAD_NAMES = ["=cmd|' /C calc'!A0", "<script>", "+1", "@SUM(A1)", "王五2", "·王五"]


def test_broken_rows_are_reported_and_nothing_is_saved(world, as_admin):
    bad_id = make_id(order="311")[:-1] + ("0" if make_id(order="311")[-1] != "0" else "1")
    rows = [
        *good_rows(),
        ["第一网格", "桂坛巷", "6号楼", "", "1", "", "", "", "错号", bad_id, "", ""],
        ["第一网格", "桂坛巷", "6号楼", "", "2", "", "", "", "错电话", make_id(order="553"), "138-abc", ""],
        ["第一网格", "桂坛巷", "6号楼", "", "3", "", "", "", "", make_id(order="575"), "", "户主"],
        ["新华一网格", "桂坛巷", "6号楼", "", "4", "", "", "", "外社区", make_id(order="597"), "", ""],
        ["第九网格", "桂坛巷", "6号楼", "", "5", "别墅", "", "", "无网格", "", "", "表亲"],
        ["第一网格", "桂坛巷", "6号楼", "", "6", "出租", "=1+2", "", "房东", make_id(order="313"), "", ""],
        ["第一网格", "桂坛巷", "6号楼", "", "7", "", "", "", "重复", make_id(order="311"), "", ""],
        *[
            ["第一网格", "桂坛巷", "7号楼", "", str(n), "", "", "", name, "", "", ""]
            for n, name in enumerate(BAD_NAMES)
        ],
    ]
    before = counts()
    job = run(as_admin, xlsx_bytes(rows))
    assert job.status == ImportStatus.INVALID and counts() == before
    assert not AuditEvent.objects.filter(action="register.import").exists()
    errors = {(row, column): message for row, column, message in job.errors}
    assert errors[(5, "身份证号")] == "身份证号码校验位不对（最后一位），可能有一位抄错了，请逐位核对。"
    assert errors[(6, "联系电话")] == "电话号码只能包含数字（以及 +、-、括号），请核对。"
    assert errors[(7, "姓名")] == "请填写姓名。"
    assert "新华一网格" in errors[(8, "网格")] and "不在开元社区" in errors[(8, "网格")]
    assert errors[(8, "网格")].endswith("可以导入的网格：第一网格、第二网格。")  # the community's own order
    assert "第九网格" in errors[(9, "网格")]
    assert errors[(9, "户类型")].startswith("“别墅”不是有效的户类型")
    assert errors[(9, "与户主关系")].startswith("“表亲”不是有效的与户主关系")
    assert errors[(10, "房东姓名")].startswith("姓名里不能有 “=”“1”“+”“2” 这样的符号或数字")
    assert errors[(11, "身份证号")] == "与第 2 行的证件号码重复，同一人只能登记一次。"
    for offset, name in enumerate(BAD_NAMES):  # refused with what to fix, never imported as a resident's name
        assert errors[(12 + offset, "姓名")] == check_person_name(name).error != "", name
    page = as_admin.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert "第 5 行" in page and "校验位不对" in page and "未导入任何数据" in page

    response = as_admin.get(reverse("registry:import_errors", args=[job.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    report = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    cells = report.get_sheet_by_index(0).to_python()
    assert cells[0][:3] == ["导入错误", "原行号", "网格"]
    by_row = {row[1]: row for row in cells[1:]}
    assert "校验位不对" in by_row["5"][0] and by_row["2"][0] == ""
    assert by_row["10"][2 + 6] == "'=1+2", "a formula in user data is written as text"
    assert by_row["5"][2 + 9] == bad_id  # the ID stays text, as it was uploaded
    event = AuditEvent.objects.get(action="register.import_errors")
    assert event.row_count == len(rows) and event.purpose == "data_correction"


def test_error_report_fixed_and_imported_again(world, as_admin):
    rows = [*good_rows(), ["第一网格", "桂坛巷", "6号楼", "", "3", "", "", "", "", make_id(order="575"), "", ""]]
    job = run(as_admin, xlsx_bytes(rows))
    assert job.status == ImportStatus.INVALID
    response = as_admin.get(reverse("registry:import_errors", args=[job.pk]))
    cells = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content))).get_sheet_by_index(0)
    fixed = cells.to_python()
    fixed[4][2 + 8] = "补上名"
    job = run(as_admin, xlsx_bytes(fixed[1:], fixed[0]))
    assert job.status == ImportStatus.DONE, job.errors
    assert Resident.objects.filter(name="补上名").exists() and Resident.objects.filter(name="林美华").count() == 1


def test_numbers_in_other_columns_are_read_as_text(world, as_admin):
    rows = [["第一网格", "桂坛巷", 5, 1, 101, "", "", "", "林美华", make_id(order="311"), 13800001234, "户主"]]
    job = run(as_admin, xlsx_bytes(rows))
    assert job.status == ImportStatus.DONE, job.errors
    person = Resident.objects.get(name="林美华")
    assert person.phone_masked == "138****1234" and person.full_phone() == "13800001234"
    household = person.household
    assert (household.building.name, household.unit.name, household.room) == ("5", "1", "101")


def test_equal_cells_of_other_types_are_each_read_as_themselves(world, as_admin):
    """Rows are checked column by column with each distinct cell read once: 1, 1.0 and True are equal keys
    in Python, and must still read as "1", "1" and "是"."""
    rows = [
        ["第一网格", "桂坛巷", 7, 1, 1, "", "", "", "甲", make_id(order="311"), "", ""],
        ["第一网格", "桂坛巷", 7.0, 1.0, 2, "", "", "", "乙", make_id(order="313"), "", ""],
        ["第一网格", "桂坛巷", "7", True, 3, "", "", "", "丙", make_id(order="335"), "", ""],
    ]
    job = run(as_admin, xlsx_bytes(rows))
    assert job.status == ImportStatus.DONE, job.errors
    places = {r.name: (r.household.building.name, r.household.unit.name) for r in Resident.objects.filter(
        name__in=["甲", "乙", "丙"])}  # fmt: skip
    assert places == {"甲": ("7", "1"), "乙": ("7", "1"), "丙": ("7", "是")}


def test_a_wrong_value_repeated_is_reported_on_every_row_in_field_order(world, as_admin):
    """One distinct wrong text is read once but reported on each row that has it; within a row the
    problems come in the order of the fields (grid, texts, required, choices, ID, phone)."""
    rows = [
        ["第九网格", "桂坛巷", "6号楼", "", "1", "别墅", "", "", "", make_id(order="311")[:-1] + "0", "138-abc", "表亲"],
        ["第一网格", "桂坛巷", "6号楼", "", "2", "别墅", "", "", "林二", make_id(order="313"), "", "表亲"],
    ]  # fmt: skip
    job = run(as_admin, xlsx_bytes(rows))
    assert job.status == ImportStatus.INVALID
    first = [column for row, column, _ in job.errors if row == 2]
    assert first == ["网格", "姓名", "户类型", "与户主关系", "身份证号", "联系电话"]
    assert [column for row, column, _ in job.errors if row == 3] == ["户类型", "与户主关系"]
    assert not Resident.objects.filter(name="林二").exists()


def test_imported_households_in_an_enclosed_building_are_inside_its_enclosure(world, as_admin):
    from alleykeeper.gates import actions as gates

    enclosure = gates.create_enclosure(None, world.community, {"name": "东片区"})
    gates.set_enclosure_buildings(None, enclosure, [world.household_a.building])
    rows = [
        ["第一网格", "第一网格巷", "3号楼", "", "306", "", "", "", "新住户", make_id(order="311"), "", ""],
        ["第一网格", "第一网格巷", "4号楼", "", "101", "", "", "", "楼外住户", make_id(order="313"), "", ""],
    ]
    job = run(as_admin, xlsx_bytes(rows))
    assert job.status == ImportStatus.DONE, job.errors
    assert Resident.objects.get(name="新住户").household.enclosure == enclosure
    assert Resident.objects.get(name="楼外住户").household.enclosure is None


def test_id_registered_elsewhere_is_not_moved_silently(world, as_admin):
    here = world.household_a.residents.get()
    elsewhere = world.household_other.residents.get()
    rows = [
        ["第一网格", "桂坛巷", "9号", "", "1", "", "", "", here.name, here.full_document_number(), "", ""],
        ["第一网格", "桂坛巷", "9号", "", "2", "", "", "", elsewhere.name, elsewhere.full_document_number(), "", ""],
    ]
    job = run(as_admin, xlsx_bytes(rows))
    assert job.status == ImportStatus.INVALID
    messages = dict(((r, m) for r, _, m in job.errors))
    assert "本社区的另一户" in messages[2] and "迁移" in messages[2]
    assert "其他社区" in messages[3]
    here.refresh_from_db()
    assert here.household == world.household_a


def test_scope_who_may_import(world, personas):
    for persona in ("worker_a", "worker_b", "duty", "officer", "volunteer"):
        assert personas[persona].get(reverse("registry:import")).status_code == 403, persona
        assert personas[persona].get(reverse("registry:import_template")).status_code == 403, persona
    assert personas["anonymous"].get(reverse("registry:import")).status_code == 302
    page = personas["admin"].get(reverse("registry:import")).content.decode()
    assert "导入台账" in page and reverse("registry:import") in page  # in the navigation too
    link = f'href="{reverse("registry:import")}"'
    assert link not in personas["worker_a"].get(reverse("registry:grids")).content.decode()


def test_admin_cannot_pick_another_communitys_grid_or_see_its_jobs(world, as_admin, as_worker_a):
    response = upload(as_admin, xlsx_bytes(good_rows()), default_grid=world.grid_other.pk)
    assert response.status_code == 400 and not ImportJob.objects.exists()
    job = ImportJob.objects.create(community=world.other_community, file_name="x.xlsx", file_sha256="0" * 64)
    assert as_admin.get(reverse("registry:import_job", args=[job.pk])).status_code == 404
    assert as_admin.get(reverse("registry:import_errors", args=[job.pk])).status_code == 404
    assert as_worker_a.get(reverse("registry:import_job", args=[job.pk])).status_code == 403


def test_template_download(world, as_admin):
    response = as_admin.get(reverse("registry:import_template"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    header = workbook.get_sheet_by_index(0).to_python()[0]
    assert "身份证号" in header and "姓名*" in header
    sheet_xml = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/styles.xml").decode()
    assert 'formatCode="@"' in sheet_xml or 'numFmtId="49"' in sheet_xml  # text format for the columns


def test_progress_fragment_and_discard(world, as_admin, private_uploads):
    job = start(as_admin, xlsx_bytes(good_rows()))
    job.refresh_from_db()
    response = as_admin.get(reverse("registry:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    job.status = ImportStatus.VALIDATING
    job.rows_total, job.rows_done = 10, 4
    job.save()
    response = as_admin.get(reverse("registry:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in response and 'hx-trigger="every 1s"' in response.content.decode()
    assert "4 / 10" in response.content.decode()
    job.status = ImportStatus.MAPPING
    job.save()
    as_admin.post(reverse("registry:import_discard", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DISCARDED and not list((private_uploads / "imports").glob("*"))


def test_a_job_left_queued_says_the_task_worker_may_not_be_running(world, as_admin, time_machine):
    """Without a worker a queued import waits for ever: after two minutes its page says what to check."""
    time_machine.move_to("2026-03-11 10:00 +08:00", tick=False)
    job = start(as_admin, xlsx_bytes(good_rows()))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED, updated_at=timezone.now())
    progress = reverse("registry:import_progress", args=[job.pk])
    assert "后台任务程序" not in as_admin.get(progress, HTTP_HX_REQUEST="true").content.decode()
    time_machine.move_to("2026-03-11 10:03 +08:00", tick=False)
    page = as_admin.get(progress, HTTP_HX_REQUEST="true").content.decode()
    assert "已经等了 3 分钟还没有完成" in page and "alleykeeper-worker" in page
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING)  # the worker took it
    assert "后台任务程序" not in as_admin.get(progress, HTTP_HX_REQUEST="true").content.decode()


def test_command_imports_with_dry_run_and_reports_errors(world, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx_bytes(good_rows()))
    before = counts()
    out = io.StringIO()
    call_command("import_register", str(path), community="开元社区", dry_run=True, no_progress=True, stdout=out)
    assert "仅检查" in out.getvalue() and counts() == before
    call_command("import_register", str(path), community="开元社区", no_progress=True, stdout=io.StringIO())
    assert counts() == (before[0] + 2, before[1] + 3)
    call_command("import_register", str(path), community="开元社区", no_progress=True, stdout=io.StringIO())
    assert counts() == (before[0] + 2, before[1] + 3)
    broken = tmp_path / "broken.csv"
    broken.write_bytes(csv_bytes([["第一网格", "桂坛巷", "5号楼", "", "1", "", "", "", "", "", "", ""]]))
    report = tmp_path / "errors.xlsx"
    out = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command(
            "import_register", str(broken), community="开元社区", errors_out=report, no_progress=True, stdout=out
        )
    assert "第 2 行 · 姓名：请填写姓名。" in out.getvalue() and report.exists()
    with pytest.raises(CommandError, match="PNG"):
        png = tmp_path / "a.xlsx"
        png.write_bytes(b"\x89PNG\r\n\x1a\n....")
        call_command("import_register", str(png), community="开元社区", no_progress=True)


def test_command_grid_option_and_user_scope(world, tmp_path):
    path = tmp_path / "no-grid.csv"
    path.write_bytes(csv_bytes([row[1:] for row in good_rows()[:1]], HEADER[1:]))
    call_command(
        "import_register", str(path), community="开元社区", grid="第二网格", no_progress=True, stdout=io.StringIO()
    )
    assert Resident.objects.get(name="林美华").household.grid == world.grid_b
    other = tmp_path / "other.csv"
    other.write_bytes(csv_bytes([good_rows()[0]]))
    with pytest.raises(CommandError):
        call_command(
            "import_register", str(other), community="新华社区", user="admin", no_progress=True, stdout=io.StringIO()
        )


def test_import_action_refuses_an_id_registered_meanwhile(world):
    """The race validation cannot see: the unique blind index stops it, and nothing of the import stays."""
    from django.db import IntegrityError

    from alleykeeper.core.identity import check_id_card
    from alleykeeper.registry import actions
    from alleykeeper.registry.imports import ImportRow

    taken = world.household_other.residents.get().full_document_number()
    doc = check_id_card(taken)
    rows = [
        ImportRow(row=2, grid_id=world.grid_a.pk, alley="新巷", building="1号", unit="", room="1", name="甲"),
        ImportRow(row=3, grid_id=world.grid_a.pk, alley="新巷", building="1号", unit="", room="1", name="乙",
                  doc=doc, doc_index=blind_index("doc", doc.value)),
    ]  # fmt: skip
    before = counts()
    with pytest.raises(IntegrityError):
        actions.import_rows(world.admin, world.community, rows)
    assert counts() == before and not AuditEvent.objects.filter(action="register.import").exists()


def test_pinyin_keys_match_pypinyin(world):
    """The per-character shortcut gives exactly what pypinyin gives, phrases and odd names included."""
    from pypinyin import Style, lazy_pinyin

    from alleykeeper.registry.models import pinyin_keys

    for name in ["王翠琳", "曾小贤", "单田芳", "长江", "重庆", "吕布", "Lily张", "阿卜杜·热合曼", "女儿", "", "A"]:
        full = "".join(lazy_pinyin(name, errors="ignore")).lower()
        initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
        assert pinyin_keys(name) == (full[:100], initials[:20]), name


def test_stale_uploads_are_purged(world, as_admin, private_uploads):
    rows = [*good_rows(), ["第一网格", "桂坛巷", "6号楼", "", "3", "", "", "", "", make_id(order="575"), "", ""]]
    invalid = run(as_admin, xlsx_bytes(rows))
    waiting = start(as_admin, xlsx_bytes(good_rows()))
    orphan = private_uploads / "imports" / "left-by-a-crash.upload"
    orphan.write_bytes(b"x")
    # The files' times are the file system's (the real clock); the purge compares them with the app's clock,
    # which a clock run (faketime) sets elsewhere: the files are dated by the app's clock here.
    now = timezone.now().timestamp()
    for path in (private_uploads / "imports").glob("*"):
        os.utime(path, (now, now))
    call_command("purge_imports", stdout=io.StringIO())
    kept = sorted(path.name.split(".", 1)[1] for path in (private_uploads / "imports").glob("*"))
    assert kept == ["upload", "upload", "upload", "upload.cells", "upload.cells"], "nothing is young enough to go"
    ImportJob.objects.update(updated_at=timezone.now() - timedelta(days=2))
    old = (timezone.now() - timedelta(days=2)).timestamp()
    os.utime(orphan, (old, old))
    call_command("purge_imports", stdout=io.StringIO())
    assert not list((private_uploads / "imports").glob("*"))
    invalid.refresh_from_db()
    waiting.refresh_from_db()
    assert invalid.status == ImportStatus.INVALID and invalid.errors and not invalid.file_path
    assert waiting.status == ImportStatus.DISCARDED
    response = as_admin.get(reverse("registry:import_errors", args=[invalid.pk]))
    assert response.status_code == 302


def test_unknown_headers_then_header_row_and_mapping_by_hand(world, as_admin):
    header = ["甲", "乙", "丙", "丁", "戊"]
    rows = [["第一网格", "桂坛巷", "5号楼", "101", "林美华"]]
    job = start(as_admin, csv_bytes(rows, header), "自制.csv")
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING and job.header_row is None and "没有认出表头行" in job.message
    as_admin.post(reverse("registry:import_job", args=[job.pk]), {"header_row": 1})
    job.refresh_from_db()
    assert job.header_row == 0 and job.columns == header and job.mapping == {}
    job = confirm(as_admin, job, map_grid="0", map_alley="1", map_building="2", map_room="3", map_name="4")
    assert job.status == ImportStatus.DONE and Resident.objects.filter(name="林美华").exists()


def test_identity_numbers_in_error_messages_are_masked(world, as_admin):
    rows = good_rows()
    rows[0][11] = make_id(order="999")  # an ID number typed into 与户主关系
    job = run(as_admin, xlsx_bytes(rows))
    assert job.status == ImportStatus.INVALID
    assert make_id(order="999") not in str(job.errors) and "350502********" in str(job.errors)


def test_namesakes_in_one_household_stay_apart_on_reimport(world, as_admin):
    """Two 张伟 in one flat, one with an ID and one without: the row without an ID never takes the other."""
    rows = [
        ["第一网格", "桂坛巷", "5号楼", "", "8", "", "", "", "张伟", "", "", "子女"],
        ["第一网格", "桂坛巷", "5号楼", "", "8", "", "", "", "张伟", make_id(order="711"), "", "户主"],
    ]
    run(as_admin, xlsx_bytes(rows))
    job = run(as_admin, xlsx_bytes(rows))
    assert job.result["residents_created"] == job.result["residents_updated"] == 0
    people = {p.relation: p for p in Resident.objects.filter(name="张伟")}
    assert set(people) == {"head", "child"} and not people["child"].doc_number_index


def test_the_web_import_reads_the_file_once(world, as_admin, private_uploads, monkeypatch):
    """Analysed on upload, the header row changed, the mapping confirmed, the import run, the error report
    downloaded: the workbook is parsed once, at the analysis; every later step (in the db_worker too: the
    cells are kept beside the upload, not in memory) reads the cells kept, and they go with the upload."""
    from alleykeeper.core import tabular

    reads = []
    parse = tabular.read_file
    monkeypatch.setattr(tabular, "read_file", lambda *args, **kwargs: reads.append(args[0]) or parse(*args, **kwargs))
    job = start(as_admin, xlsx_bytes(good_rows(), above=[["桂坛社区居民台账"]]))
    assert job.status == ImportStatus.MAPPING and job.header_row == 1 and len(reads) == 1
    assert (private_uploads / "imports" / (job.file_path + ".cells")).exists()
    as_admin.post(reverse("registry:import_job", args=[job.pk]), {"header_row": 1})  # the title row, then back
    as_admin.post(reverse("registry:import_job", args=[job.pk]), {"header_row": 2})
    job = confirm(as_admin, job)
    assert job.status == ImportStatus.DONE, (job.message, job.errors)
    assert counts()[1] >= 3 and len(reads) == 1
    assert not list((private_uploads / "imports").glob("*")), "the upload and its cells are deleted after import"

    bad = [*good_rows(), ["第一网格", "桂坛巷", "6号楼", "", "3", "", "", "", "", make_id(order="575"), "", ""]]
    job = run(as_admin, xlsx_bytes(bad, above=[["另一份台账"]]))
    assert job.status == ImportStatus.INVALID and len(reads) == 2
    assert as_admin.get(reverse("registry:import_errors", args=[job.pk])).status_code == 200
    assert len(reads) == 2, "the error report reads the cells kept too"


def test_numbers_written_into_the_notes_column_are_masked(world, as_admin):
    """A phone or an ID number in 备注 is free text: masked as the forms' notes are (the sealed columns hold the
    person's own)."""
    relative = make_id(order="515")
    rows = [[*good_rows()[0], f"女儿电话 13912345678 女儿证件 {relative}"]]
    job = run(as_admin, xlsx_bytes(rows, [*HEADER, "备注"]))
    assert job.status == ImportStatus.DONE, job.errors
    notes = Resident.objects.get(name="林美华").notes
    assert notes == f"女儿电话 139****5678 女儿证件 {relative[:6]}********{relative[-4:]}"
