"""Importing push lists as they really arrive, through the pages and the action."""

import io
import os
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.identity import id_check_char
from alleykeeper.pushlist.models import BatchStatus, MatchState, PushBatch, PushedPerson
from alleykeeper.pushlist.tests.files import csv_bytes, row, xlsx_bytes
from testkit.world import make_id

pytestmark = pytest.mark.django_db

WANG_ID = make_id(order="124")  # 王翠琳 of grid A in the test world
WU_ID = make_id(born="19900101", order="246")  # 吴晶晶 of grid B
NUMERIC_ID = next(number for order in range(501, 600) if (number := make_id(order=str(order)))[-1] != "X")


def cn(number: int) -> str:
    """A number in Chinese digits: names in test data have no digits (the name check refuses them)."""
    return str(number).translate(str.maketrans("0123456789", "〇一二三四五六七八九"))


def _upload(client, content: bytes, name: str, **extra):
    data = {
        "received_on": "2020-02-03",
        "source": "区指挥部大数据组",
        "file": SimpleUploadedFile(name, content),
        **extra,
    }
    return client.post(reverse("pushlist:upload"), data)


def test_messy_gbk_csv_through_the_pages(world, as_admin, django_capture_on_commit_callbacks):
    content = csv_bytes(
        [
            row("王 翠琳", WANG_ID, "+86 138-5990-1234", number=1),  # spaces in the name, +86 and dashes
            row("吴晶晶", f" {WU_ID.lower()} ", "136 0000 1111", number=2),  # spaces, lower-case x-free id
            row("张三", "3.50502E+17", "", number=3),  # an ID that Excel turned into scientific notation
            row("", "", "", address="只有地址", number=4),  # nobody: cannot be imported
        ]
    )
    response = _upload(as_admin, content, "第三批.csv", community=world.community.pk)
    batch = PushBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("pushlist:batch", args=[batch.pk])
    assert batch.status == BatchStatus.MAPPING and batch.header_row == 2  # two title rows above the header
    page = as_admin.get(reverse("pushlist:batch", args=[batch.pk])).content.decode()
    assert "C 列：身份证号码" in page and 'value="2" selected' in page  # the ID column guessed from the header
    mapping = {f"col_{key}": str(index) for key, index in batch.mapping.items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(reverse("pushlist:batch", args=[batch.pk]), {"header_row": "3", **mapping})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.imported_count == 3 and batch.row_count == 4
    people = {p.name: p for p in PushedPerson.objects.all()}
    assert set(people) == {"王翠琳", "吴晶晶", "张三"}
    assert people["王翠琳"].phone_masked == "138****1234" and people["王翠琳"].match_state == MatchState.MATCHED
    assert people["吴晶晶"].match_state == MatchState.MATCHED
    assert people["张三"].doc_number_index == "" and "科学计数法" in people["张三"].problems[0]
    assert {e["row"]: e["imported"] for e in batch.errors} == {6: True, 7: False}
    page = as_admin.get(reverse("pushlist:batch", args=[batch.pk])).content.decode()
    assert "第 7 行" in page and "未导入" in page and "没有姓名、证件号码或电话" in page
    assert WANG_ID not in page and "13859901234" not in page  # masked everywhere
    event = AuditEvent.objects.get(action="pushlist.import")
    assert event.row_count == 3 and event.actor == world.admin


def test_reimporting_the_same_file_adds_nothing(world, as_admin, import_list):
    content = csv_bytes([row("王翠琳", WANG_ID, "13859901234")])
    batch = import_list(content)
    assert PushedPerson.objects.count() == 1
    response = _upload(as_admin, content, "改了名字的同一个文件.csv", community=world.community.pk)
    assert response.status_code == 302 and response["Location"] == reverse("pushlist:batch", args=[batch.pk])
    assert PushBatch.objects.count() == 1 and PushedPerson.objects.count() == 1
    page = as_admin.get(response["Location"]).content.decode()
    assert "已经导入过" in page
    assert AuditEvent.objects.filter(action="pushlist.import").count() == 1


def test_utf8_bom_csv_and_duplicate_rows(import_list):
    content = b"\xef\xbb\xbf" + csv_bytes(
        [row("王翠琳", WANG_ID, "13859901234", number=1), row("王翠琳", WANG_ID, "13859901234", number=2)],
        encoding="utf-8",
        titles=False,
    )
    batch = import_list(content)
    assert batch.imported_count == 1
    assert batch.errors == [{"row": 3, "problems": ["与第 2 行是同一人，未重复导入。"], "imported": False}]


def test_numbers_written_into_the_lists_note_are_masked(import_list):
    """The list's own ID and phone columns are sealed; one written into its 备注 is free text, masked."""
    relative = make_id(order="535")
    note = f"同行人 {relative} 电话 13912345678"
    batch = import_list(csv_bytes([row("王翠琳", WANG_ID, "13859901234", note=note)], encoding="utf-8"))
    assert batch.imported_count == 1
    stored = PushedPerson.objects.get().list_note
    assert relative not in stored and "13912345678" not in stored
    assert f"{relative[:6]}********{relative[-4:]}" in stored and "139****5678" in stored


BAD_NAMES = ["=cmd|' /C calc'!A0", "<script>", "+1", "@SUM(A1)"]


def test_names_that_are_not_names_are_left_out_and_reported(import_list):
    """A pushed person is still to be found (by ID or phone), so the row is imported without the name and
    says why; a row with nothing but such a name is refused. Rare, foreign and minority names pass."""
    rows = [row(name, "", f"1350000000{n}", number=n) for n, name in enumerate(BAD_NAMES, start=1)]
    rows += [row("<b>", number=5)]
    rows += [
        row(name, "", f"1350000001{n}", number=6 + n)
        for n, name in enumerate(["𠮷田", "阿依古丽.买买提", "John Smith"])
    ]
    batch = import_list(csv_bytes(rows, titles=False, encoding="utf-8"))
    names = sorted(PushedPerson.objects.values_list("name", flat=True))
    assert names == sorted(["", "", "", "", "𠮷田", "阿依古丽·买买提", "John Smith"])
    problems = {e["row"]: " ".join(e["problems"]) for e in batch.errors}
    for n, name in enumerate(BAD_NAMES, start=2):
        assert "这样的符号或数字" in problems[n] and "该行姓名未导入" in problems[n], name
        assert name not in str(batch.errors)
    assert problems[2].startswith("姓名里不能有 “=”“|”“/”“!”")
    assert "无法识别是谁" in problems[6] and not next(e for e in batch.errors if e["row"] == 6)["imported"]


def test_xlsx_ids_stored_as_numbers_are_judged_not_guessed(import_list):
    legacy = "350502850312123"  # 15 digits: a float keeps every one of them
    content = xlsx_bytes(
        [
            row("王翠琳", int(legacy), 13859901234, arrival=date(2020, 1, 25), number=1),
            row("吴晶晶", 350502199001012467, 13600001111, number=2),  # 18 digits: Excel keeps only 15
            row("李四", 1234567, "", number=3),
        ]
    )
    batch = import_list(content, "名单.xlsx")
    people = {p.name: p for p in PushedPerson.objects.all()}
    wang = people["王翠琳"]
    upgraded = "35050219850312123" + id_check_char("35050219850312123")
    assert wang.doc_number_masked == "350502********" + upgraded[-4:]
    assert wang.full_document_number() == upgraded
    assert "15 位旧号码，数字完整" in wang.problems[0] and wang.arrival_date == date(2020, 1, 25)
    wu = people["吴晶晶"]
    assert wu.doc_number_enc == "" and wu.doc_number_index == ""  # never sealed: it is wrong information
    assert "末几位已失真" in wu.problems[0] and wu.birth_date == date(1990, 1, 1)
    assert "350502199001012467" not in str(batch.errors)
    assert wu.match_state == MatchState.MATCHED and wu.match_rule == "phone"  # found by phone instead
    assert "位数既不是 15 位也不是 18 位" in people["李四"].problems[0]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 not a table", "名单.pdf", "PDF"),
        (b"", "empty.csv", "空"),
        (b"PK\x03\x04broken zip", "名单.xlsx", "损坏"),
    ],
)
def test_bad_files_say_what_to_do_and_save_nothing(world, as_admin, content, name, message):
    response = _upload(as_admin, content, name, community=world.community.pk)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PushBatch.objects.exists()


def test_mapping_needs_a_name_and_an_identifier(world, as_admin):
    content = csv_bytes([row("王翠琳", WANG_ID, "13859901234")])
    _upload(as_admin, content, "名单.csv", community=world.community.pk)
    batch = PushBatch.objects.get()
    response = as_admin.post(reverse("pushlist:batch", args=[batch.pk]), {"header_row": "3", "col_name": "1"})
    assert response.status_code == 400 and "证件号码" in response.content.decode()
    response = as_admin.post(
        reverse("pushlist:batch", args=[batch.pk]), {"header_row": "3", "col_name": "1", "col_doc": "1"}
    )
    assert "已经用作" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.MAPPING and not PushedPerson.objects.exists()


def test_only_community_wide_staff_import(world, personas):
    for persona, expected in {"admin": 200, "worker_a": 403, "officer": 403, "duty": 403}.items():
        assert personas[persona].get(reverse("pushlist:upload")).status_code == expected, persona


def test_future_received_date_is_refused(world, as_admin):
    content = csv_bytes([row("王翠琳", WANG_ID, "13859901234")])
    response = _upload(as_admin, content, "名单.csv", community=world.community.pk, received_on="2999-01-01")
    assert response.status_code == 400 and "不能晚于今天" in response.content.decode()


def test_a_failing_import_writes_nothing_and_says_so(world, as_admin, monkeypatch):
    from alleykeeper.pushlist import actions, importing

    uploaded = actions.upload_push_list(
        world.admin, world.community, [csv_bytes([row("王翠琳", WANG_ID)])], "x.csv", received_on=date(2020, 2, 3)
    )
    actions.confirm_mapping(uploaded.batch, uploaded.batch.mapping)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(actions, "import_rows", broken)
    with pytest.raises(RuntimeError):
        actions.import_batch(world.admin, uploaded.batch)
    uploaded.batch.refresh_from_db()
    assert uploaded.batch.status == BatchStatus.FAILED and not PushedPerson.objects.exists()
    page = as_admin.get(reverse("pushlist:batch", args=[uploaded.batch.pk])).content.decode()
    assert "程序错误" in page and "重新确认表头后再试" in page
    assert importing.import_rows is not broken


def test_rows_beyond_what_the_upload_counted_are_imported_too(world):
    """Ids are taken for the rows the upload counted; a list that somehow has more still imports whole."""
    from alleykeeper.pushlist import actions

    rows = [row("路人" + cn(i), "", f"135{i:08d}", number=i) for i in range(1, 8)]
    uploaded = actions.upload_push_list(
        world.admin, world.community, [csv_bytes(rows)], "x.csv", received_on=date(2020, 2, 3)
    )
    actions.confirm_mapping(uploaded.batch, uploaded.batch.mapping)
    uploaded.batch.row_count = 2
    counts = actions.import_batch(world.admin, uploaded.batch)
    assert counts is not None and counts.imported == 7
    assert sorted(PushedPerson.objects.values_list("name", flat=True)) == sorted("路人" + cn(i) for i in range(1, 8))


def test_the_web_upload_reads_the_file_once(world, as_admin, django_capture_on_commit_callbacks, monkeypatch, settings):
    """Uploaded, the header row moved and moved back, the columns confirmed, imported by the task: the
    workbook is parsed once, at the upload. The task (the db_worker, another process) reads the cells kept
    beside the upload, never a copy in memory; they are deleted with the upload. Dates and numbers come
    back as themselves."""
    from alleykeeper.core import tabular

    reads = []
    parse = tabular.read_file
    monkeypatch.setattr(tabular, "read_file", lambda *args, **kwargs: reads.append(args[0]) or parse(*args, **kwargs))
    rows = [
        row("王翠琳", WANG_ID, "13859901234", number=1),
        ["2", "路人甲", int(NUMERIC_ID), 13600001111, "湖北省武汉市", date(2020, 1, 28), "", "", ""],  # numbers, a date
    ]
    response = _upload(as_admin, xlsx_bytes(rows), "第四批.xlsx", community=world.community.pk)
    batch = PushBatch.objects.get()
    assert response.status_code == 302 and batch.status == BatchStatus.MAPPING and len(reads) == 1
    kept = tabular.parsed_copy(Path(batch.upload_path))
    assert kept.exists() and kept.parent == Path(settings.PRIVATE_UPLOAD_ROOT) / "pushlist"
    mapping = {f"col_{key}": str(index) for key, index in batch.mapping.items()}
    for header_row in ("1", "3"):  # a title row taken for the header, then the real one again
        as_admin.post(reverse("pushlist:batch", args=[batch.pk]), {"header_row": header_row, **mapping})
    batch.refresh_from_db()
    assert batch.header_row == 2 and len(reads) == 1
    response = as_admin.post(reverse("pushlist:batch", args=[batch.pk]), {"header_row": "30", **mapping}, follow=True)
    assert "没有第 30 行。表头行请填 1 到" in response.content.decode()
    batch.refresh_from_db()
    assert batch.header_row == 2 and batch.status == BatchStatus.MAPPING  # nothing read is lost
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(reverse("pushlist:batch", args=[batch.pk]), {"header_row": "3", **mapping})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.imported_count == 2 and len(reads) == 1
    wu = PushedPerson.objects.get(name="路人甲")
    assert wu.arrival_date == date(2020, 1, 28) and wu.doc_number_index == "" and wu.phone_masked == "136****1111"
    assert not kept.exists() and not list(kept.parent.glob("*")), "the upload and its cells are deleted"


def test_a_damaged_copy_of_the_cells_is_read_again_from_the_file(world):
    """The cells kept are only ever cells: a copy that is damaged or names any other class is ignored and
    the upload itself is parsed again (the same checks as the first time)."""
    import pickle

    from alleykeeper.core import tabular
    from alleykeeper.pushlist import actions

    uploaded = actions.upload_push_list(
        world.admin, world.community, [csv_bytes([row("王翠琳", WANG_ID)])], "x.csv", received_on=date(2020, 2, 3)
    )
    kept = tabular.parsed_copy(Path(uploaded.batch.upload_path))
    for damage in (b"not a pickle", pickle.dumps((1, "csv", "", "", [[os.system]]))):
        kept.write_bytes(damage)
        table = actions.read_table(Path(uploaded.batch.upload_path))
        assert table.header_row == 2 and table.rows[3][1] == "王翠琳"


def test_files_of_lists_left_unconfirmed_or_failed_are_purged_after_a_day(world, as_admin, settings):
    """A push list holds ID numbers and phones in clear: its file goes a day after the upload if its columns were
    never confirmed or its import failed or was cut off (`manage.py purge_imports`, daily); the batch stays,
    failed, saying why, and can be discarded. A list uploaded since is kept."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from alleykeeper.pushlist import actions

    def upload(name: str) -> PushBatch:
        content = csv_bytes([row(name, "", "13859901234")])
        uploaded = actions.upload_push_list(world.admin, world.community, [content], f"{name}.csv", received_on=day)
        return uploaded.batch

    day = date(2020, 2, 3)
    waiting, cut_off, recent = upload("王翠琳"), upload("林小华"), upload("陈大明")
    actions.confirm_mapping(cut_off, cut_off.mapping)  # its task never ran
    folder = Path(settings.PRIVATE_UPLOAD_ROOT) / "pushlist"
    orphan = folder / "left-by-a-crash.upload"
    orphan.write_bytes(b"x")
    day_ago = (timezone.now() - timedelta(hours=25)).timestamp()
    for path in folder.glob("*"):  # dated by the app's clock: a clock run (faketime) sets it apart from the files'
        os.utime(path, (day_ago, day_ago))
    PushBatch.objects.exclude(pk=recent.pk).update(updated_at=timezone.now() - timedelta(hours=25))
    call_command("purge_imports", stdout=io.StringIO())

    assert sorted(p.name for p in folder.glob("*")) == sorted(
        Path(recent.upload_path).name + suffix for suffix in ("", ".cells")
    )
    for batch, said in ((waiting, "没有确认表头"), (cut_off, "导入中断")):
        batch.refresh_from_db()
        assert batch.status == BatchStatus.FAILED and not batch.upload_path and said in batch.status_message
        page = as_admin.get(reverse("pushlist:batch", args=[batch.pk])).content.decode()
        assert said in page and "重新确认表头后再试" not in page
    recent.refresh_from_db()
    assert recent.status == BatchStatus.MAPPING and recent.upload_path


def test_an_import_waiting_long_says_the_task_worker_may_not_be_running(world, as_admin, import_list, time_machine):
    time_machine.move_to("2026-03-11 10:00 +08:00", tick=False)
    batch = import_list(csv_bytes([row("王翠琳", WANG_ID, "13859901234")], encoding="utf-8"))
    PushBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.PENDING, updated_at=timezone.now())
    progress = reverse("pushlist:progress", args=[batch.pk])
    assert "后台任务程序" not in as_admin.get(progress, HTTP_HX_REQUEST="true").content.decode()
    time_machine.move_to("2026-03-11 10:05 +08:00", tick=False)
    page = as_admin.get(progress, HTTP_HX_REQUEST="true").content.decode()
    assert "已经等了 5 分钟还没有完成" in page and "不用重新上传" in page
