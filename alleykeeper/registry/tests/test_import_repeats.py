"""Values a file repeats on many rows are read once per file (registry.imports' memo), yet every row
still gets its own errors and its own clean values."""

import pytest

from alleykeeper.registry.models import ImportStatus, Resident
from alleykeeper.registry.tests.import_files import run, xlsx_bytes
from testkit.world import make_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_uploads")]


def cn(number: int) -> str:
    """A number in Chinese digits: names in test data have no digits (the name check refuses them)."""
    return str(number).translate(str.maketrans("0123456789", "〇一二三四五六七八九"))


def test_the_same_wrong_value_on_several_rows_is_reported_on_each(world, as_admin):
    long_alley = "长" * 51
    rows = [
        ["第一网格", "桂坛巷", "7号楼", "", "1", "别墅", "", "", "甲", make_id(order="611"), "", "表亲"],
        ["第一网格", "桂坛巷", "7号楼", "", "2", "别墅", "", "", "乙", make_id(order="613"), "", "表亲"],
        ["第一网格", long_alley, "7号楼", "", "3", "", "", "", "丙", make_id(order="615"), "", ""],
        ["第一网格", long_alley, "7号楼", "", "4", "", "", "", "丁", make_id(order="617"), "", ""],
    ]
    job = run(as_admin, xlsx_bytes(rows))
    assert job.status == ImportStatus.INVALID
    errors = {(row, column): message for row, column, message in job.errors}
    for row in (2, 3):
        assert errors[(row, "户类型")].startswith("“别墅”不是有效的户类型")
        assert errors[(row, "与户主关系")].startswith("“表亲”不是有效的与户主关系")
    for row in (4, 5):
        assert errors[(row, "小巷")] == "小巷太长（51 个字），最多 50 个字。"


def test_repeated_values_land_on_every_row(world, as_admin):
    rows = [
        ["第一网格", "桂坛巷", "8号楼", "", str(room), "出租", "", "", "住户" + cn(room), make_id(order=f"{room:03d}"), "", "子女"]
        for room in range(21, 27, 2)
    ]  # fmt: skip
    job = run(as_admin, xlsx_bytes(rows))
    assert job.status == ImportStatus.DONE, job.message
    people = Resident.objects.filter(name__startswith="住户")
    assert people.count() == 3
    assert {(p.household.kind, p.relation, p.household.building.name) for p in people} == {("rental", "child", "8号楼")}
