"""Hostile import files (GUIDE.md section 4): refused with a clear Chinese message, nothing stored.

Bad inputs tried: a PNG renamed .xlsx, an old .xls, a PDF and binary bytes named .csv, prose in a .txt,
a Word .docx renamed .xlsx, a zip bomb by declared size, by compression ratio, and a member whose zip
directory lies about its size, too many rows (XLSX and CSV), too many bytes (by the file and by
Content-Length), and ID cells that Excel made numbers (a number cell, 3.50502E+17, an ID ending in .0).
"""

import io
import zipfile

import pytest
from django.urls import reverse

from alleykeeper.registry.imports import NUMBER_ID_MESSAGE
from alleykeeper.registry.models import ImportJob, ImportStatus, Resident
from alleykeeper.registry.tests.import_files import (
    counts,
    csv_bytes,
    good_rows,
    run,
    start,
    upload,
    xlsx_bytes,
    zip_bytes,
)
from testkit.world import make_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_uploads")]


def test_numeric_id_cells_are_errors_never_imports(world, as_admin):
    rows = good_rows()
    rows[0][9] = 350502198503123110.0  # a float cell, as calamine reads a number-formatted ID
    rows[1][9] = "3.50502E+17"
    rows[2][9] = make_id(order="553") + ".0"
    job = run(as_admin, xlsx_bytes(rows))
    assert job.status == ImportStatus.INVALID
    assert [(r, c, m) for r, c, m in job.errors] == [
        (2, "身份证号", NUMBER_ID_MESSAGE),
        (3, "身份证号", NUMBER_ID_MESSAGE),
        (4, "身份证号", NUMBER_ID_MESSAGE),
    ]
    assert "文本" in NUMBER_ID_MESSAGE and not Resident.objects.filter(name="林美华").exists()


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "照片.xlsx", "PNG 图片"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "另存为” .xlsx"),
        (b"%PDF-1.4 something", "a.csv", "PDF 文件"),
        (b"\x00\x01\x02binary", "a.csv", "无法识别这个文件"),
    ],
)
def test_wrong_file_types_are_refused_at_upload(world, as_admin, content, name, expected, private_uploads):
    response = upload(as_admin, content, name)
    assert response.status_code == 400 and expected in response.content.decode()
    assert not ImportJob.objects.exists() and not list((private_uploads / "imports").glob("*"))


def test_prose_text_and_word_document_fail_with_a_clear_message(world, as_admin):
    job = start(as_admin, "这是一段说明文字，不是表格。\n第二行。\n".encode(), "说明.txt")
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "不是表格" in job.message
    docx = zip_bytes({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"})
    job = start(as_admin, docx, "通知.xlsx")
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "Word 文档" in job.message
    page = as_admin.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert "Word 文档" in page


def _with_member(name: str, data: bytes) -> bytes:
    """A real workbook with one more member (a zip bomb hides in an innocent-looking path)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(good_rows())))
    members = {info.filename: source.read(info) for info in source.infolist()}
    return zip_bytes({**members, name: data})


def test_zip_bomb_by_total_size(world, as_admin, settings):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 3 * 1024 * 1024
    job = start(as_admin, _with_member("xl/media/image1.bin", b"\x00" * (4 * 1024 * 1024)))
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "解压后超过 3.0 MB" in job.message
    assert counts() == (3, 3) and not job.file_path


def test_zip_bomb_by_ratio(world, as_admin):
    content = _with_member("xl/media/image1.bin", b"\x00" * (2 * 1024 * 1024))
    assert len(content) < 30_000  # 2 MB of zeros inflating from a few KB
    job = start(as_admin, content)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "压缩比异常" in job.message


def test_zip_whose_directory_lies_about_sizes(world, as_admin):
    size = 1_000_003  # an odd size whose four bytes appear nowhere else in the file
    content = bytearray(_with_member("xl/media/image1.bin", (bytes(range(256)) * 4000)[:size]))
    # Rewrite the member's declared uncompressed size (local header and central directory) to 1 KB.
    real = size.to_bytes(4, "little")
    assert content.count(real) == 2
    content = content.replace(real, (1024).to_bytes(4, "little"))
    job = start(as_admin, bytes(content))
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and ("损坏" in job.message or "压缩比" in job.message)


def test_too_many_rows(world, as_admin, settings):
    settings.IMPORT_MAX_ROWS = 2
    job = start(as_admin, xlsx_bytes(good_rows()))
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "超过 2 行" in job.message
    job = start(as_admin, csv_bytes(good_rows() * 20), "big.csv")
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "超过 2 行" in job.message


def test_too_large_file(world, as_admin, settings, private_uploads):
    settings.IMPORT_MAX_BYTES = 1000
    response = upload(as_admin, csv_bytes(good_rows() * 10), "big.csv")
    assert response.status_code == 400 and "文件太大" in response.content.decode()
    assert not ImportJob.objects.exists() and not list((private_uploads / "imports").glob("*"))
    response = upload(as_admin, b"x" * 200_000, "huge.csv")  # refused by Content-Length, unread
    assert response.status_code == 413 and "文件太大" in response.content.decode()


def test_a_workbook_with_a_broken_sheet(world, as_admin):
    """A valid zip whose sheet XML is cut off and points at a shared string that does not exist."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(good_rows())))
    members = {info.filename: source.read(info) for info in source.infolist()}
    members["xl/worksheets/sheet1.xml"] = b'<worksheet><sheetData><row><c r="A1" t="s"><v>999</v></c></row><row'
    job = start(as_admin, zip_bytes(members))
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "可能已损坏" in job.message and counts() == (3, 3)
