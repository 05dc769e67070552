"""Files and steps shared by the register import tests (HTTP and browser)."""

import io
import zipfile

import xlsxwriter
from django.urls import reverse

from alleykeeper.registry.models import Household, ImportJob, ImportStatus, Resident
from testkit.world import make_id

HEADER = "网格 小巷 楼栋 单元 房号 户类型 房东姓名 房东电话 姓名 身份证号 联系电话 与户主关系".split()


def good_rows() -> list[list]:
    return [
        ["第一网格", "桂坛巷", "5号楼", "1单元", "101", "自住", "", "", "林美华", make_id(order="311"), "13800001234", "户主"],
        ["第一网格", "桂坛巷", "5号楼", "1单元", "101", "", "", "", "林小明", make_id(born="20100203", order="313"), "", "子女"],
        ["第二网格", "新街巷", "12号", "", "2", "出租", "黄房东", "0595-22123456", "张租客", make_id(order="335"), "13911112222", "租客"],
    ]  # fmt: skip


def xlsx_bytes(rows: list[list], header: list[str] = HEADER, *, above: list[list] = ()) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("台账")
    for r, row in enumerate([*above, header, *rows]):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value)  # never a formula, like text typed into a cell
            else:
                sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def csv_bytes(rows: list[list], header: list[str] = HEADER, *, encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join(",".join(str(v) for v in row) for row in [header, *rows]).encode(encoding)


def upload(client, content: bytes, name: str = "台账.xlsx", **fields):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("registry:import"), {"file": file, **fields})


def start(client, content: bytes, name: str = "台账.xlsx", **fields) -> ImportJob:
    response = upload(client, content, name, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def confirm(client, job: ImportJob, **overrides) -> ImportJob:
    job.refresh_from_db()
    data = {"header_row": (job.header_row or 0) + 1}
    data.update({f"map_{key}": str(index) for key, index in job.mapping.items()})
    data.update(overrides)
    response = client.post(reverse("registry:import_job", args=[job.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    job.refresh_from_db()
    return job


def run(client, content: bytes, name: str = "台账.xlsx", **fields) -> ImportJob:
    job = start(client, content, name, **fields)  # the analysis task ran at once under the test backend
    assert job.status == ImportStatus.MAPPING, job.message
    return confirm(client, job)


def counts() -> tuple[int, int]:
    return Household.objects.count(), Resident.objects.count()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
