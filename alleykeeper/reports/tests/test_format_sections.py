"""reports/0005 and 0006: the street office's format gains 八、消杀与物资 and 九、宣传, each as a new version, once,
keeping any edit."""

import importlib

import pytest
from django.apps import apps

from alleykeeper.reports.formats import check_spec
from alleykeeper.reports.models import ReportFormat

pytestmark = pytest.mark.django_db
SECTIONS = [("0005_sanitation_in_street_format", "八、消杀与物资"), ("0006_publicity_in_street_format", "九、宣传")]


@pytest.mark.parametrize(("name", "title"), SECTIONS)
def test_an_edited_format_gains_the_section_once(name, title):
    migration = importlib.import_module(f"alleykeeper.reports.migrations.{name}")
    ReportFormat.objects.filter(slug="street_office").delete()
    edited = {
        "columns": {"today": "今日"},
        "sections": [{"title": "本社区自定", "rows": [{"label": "排查户数", "today": "households_screened"}]}],
    }
    ReportFormat.objects.create(slug="street_office", version=3, title="日报", office="街道防控办", spec=edited)
    migration.add_section(apps, None)
    migration.add_section(apps, None)
    versions = list(ReportFormat.objects.filter(slug="street_office").order_by("version"))
    assert [v.version for v in versions] == [3, 4]
    titles = [s["title"] for s in versions[-1].spec["sections"]]
    assert titles == ["本社区自定", title]
    assert check_spec(versions[-1].spec)[1] == []


def test_a_fresh_database_has_the_sections_in_its_first_version():
    current = ReportFormat.objects.filter(slug="street_office").current().get()
    titles = [s["title"] for s in current.spec["sections"]]
    assert current.version == 1 and "八、消杀与物资" in titles and titles[-1] == "九、宣传"
