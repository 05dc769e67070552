"""Importing an enterprise list with the register's machinery: mapping of the file's headers, bad rows
reported with what to fix, nothing imported then, and the same file twice adds nothing."""

import io
from datetime import timedelta
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from alleykeeper.audit.models import AuditEvent
from alleykeeper.reopening.models import Enterprise, EnterpriseImport, ImportStatus

HEADER = "单位名称,统一社会信用代码,所属网格,所在商场,楼层,铺位号,行业类别,负责人,联系方式,从业人数\n"
GOOD = (
    "开元奶茶店,91440300708461136T,第一网格,开元盛世广场,1F,1F-001,餐饮,林店长,13859905555,6\n"
    "小吃摊,,第一网格,开元盛世广场,B1,B1-009,餐饮,王阿姨,0595-22123456,2\n"
)
BAD = (
    "错码店,91440300708461136U,第一网格,开元盛世广场,1F,1F-002,餐饮,张,13859905556,3\n"
    "无网格店,,第九网格,开元盛世广场,1F,1F-003,零售,李,13859905557,3\n"
    "坏电话店,,第一网格,开元盛世广场,1F,,零售,赵,138abc,x\n"
)


def _upload(client, world, text: str):
    file = SimpleUploadedFile("企业名单.csv", ("企业复工摸排表\n" + HEADER + text).encode("gbk"))
    response = client.post(reverse("reopening:import"), {"community": world.community.pk, "file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    return EnterpriseImport.objects.latest("id")


def _confirm(client, job):
    page = client.get(reverse("reopening:import_job", args=[job.pk]))
    assert "单位名称" in page.content.decode()
    data = {"header_row": job.header_row + 1} | {f"map_{key}": str(index) for key, index in job.mapping.items()}
    return client.post(reverse("reopening:import_job", args=[job.pk]), data)


def test_a_header_row_beyond_the_file_is_refused_and_the_columns_read_stay(world, as_admin):
    job = _upload(as_admin, world, GOOD)
    mapping = {f"map_{key}": str(index) for key, index in job.mapping.items()}
    response = as_admin.post(reverse("reopening:import_job", args=[job.pk]), {"header_row": 45, **mapping}, follow=True)
    assert "没有第 45 行。表头行请填 1 到" in response.content.decode()
    job.refresh_from_db()
    assert job.header_row == 1 and job.status == ImportStatus.MAPPING
    response = as_admin.post(reverse("reopening:import_job", args=[job.pk]), {"header_row": 51, **mapping})
    assert "表头行请填 1 到 50 之间的行号" in response.content.decode()


def test_import_maps_headers_reports_bad_rows_and_is_idempotent(world, as_admin, as_worker_a):
    assert as_worker_a.get(reverse("reopening:import")).status_code == 403
    job = _upload(as_admin, world, GOOD + BAD)
    assert job.header_row == 1 and {"name", "credit_code", "grid", "phone", "headcount"} <= set(job.mapping)
    _confirm(as_admin, job)
    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID and not Enterprise.objects.exists()
    messages = {(row, column): message for row, column, message in job.errors}
    assert "校验位" in messages[(5, "统一社会信用代码")]
    assert "第九网格" in messages[(6, "网格")]
    assert "电话号码只能包含数字" in messages[(7, "联系电话")] and "整数" in messages[(7, "员工人数")]
    assert "铺位号" in messages[(7, "铺位号")]
    page = as_admin.get(reverse("reopening:import_job", args=[job.pk])).content.decode()
    assert "未导入任何数据" in page and "校验位" in page
    report = as_admin.get(reverse("reopening:import_errors", args=[job.pk]))
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report.streaming_content))).get_sheet_by_index(0).to_python()
    )
    assert rows[0][0] == "导入错误" and any("校验位" in str(row[0]) for row in rows)
    assert AuditEvent.objects.filter(action="enterprise.import_errors").exists()
    # The corrected file imports; the same file again adds nothing and changes nothing.
    for _ in range(2):
        job = _upload(as_admin, world, GOOD)
        _confirm(as_admin, job)
        job.refresh_from_db()
        assert job.status == ImportStatus.DONE, job.message
    assert Enterprise.objects.count() == 2 and "新增 0 家，更新 0 家" in job.message
    shop = Enterprise.objects.get(name="小吃摊")
    assert shop.no_credit_code and shop.phone_masked == "0595-****3456" and shop.grid == world.grid_a
    assert Enterprise.objects.get(credit_code="91440300708461136T").headcount == 6
    assert not job.file_path and AuditEvent.objects.filter(action="enterprise.import").count() == 2


def test_a_file_that_is_not_a_spreadsheet_is_refused(world, as_admin):
    file = SimpleUploadedFile("名单.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    response = as_admin.post(reverse("reopening:import"), {"community": world.community.pk, "file": file})
    assert response.status_code == 400 and "PNG 图片" in response.content.decode()
    assert not EnterpriseImport.objects.exists()


def test_a_list_left_at_the_mapping_step_is_purged_by_the_daily_command(world, as_admin, settings):
    """Not only when someone next opens the import page: `manage.py purge_imports` (daily timer) deletes it."""
    job = _upload(as_admin, world, GOOD)
    stored = Path(settings.PRIVATE_UPLOAD_ROOT) / "enterprise-imports" / job.file_path
    assert job.status == ImportStatus.MAPPING and stored.exists()
    call_command("purge_imports", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING and stored.exists(), "a day has not passed"
    EnterpriseImport.objects.update(updated_at=timezone.now() - timedelta(hours=25))
    call_command("purge_imports", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == ImportStatus.DISCARDED and not job.file_path and not stored.exists()
