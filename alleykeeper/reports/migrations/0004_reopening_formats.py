"""Enterprise reopening joins the daily report (issue 13): the format of the street's enterprise office
(街道企业办, for the 工信 and 商务 offices: formats/enterprise_office.json) and a new version of the street
office's format with its section on enterprises (七、企业复工复产, as in formats/street_office.json).

An edited street office format keeps its edits: the section is added to its newest version, as a new version
(the earlier ones stay), unless that version already shows a reopening figure. A database created after this
change had both files loaded by 0003 as they are now, and this migration finds nothing to do. Reversing
removes the versions this migration saved (reports do not point to a format version; they are read in the
newest one)."""

import json
from pathlib import Path

from django.db import migrations

FORMATS = Path(__file__).resolve().parent.parent / "formats"
NOTE = "增加企业复工复产（迁移 0004）"
REOPENING_PREFIXES = ("enterprises_", "reopening_")


def _file(slug: str) -> dict:
    return json.loads((FORMATS / f"{slug}.json").read_text(encoding="utf-8"))


def _shows_reopening(section: dict) -> bool:
    keys = [row.get(column) or "" for row in section.get("rows", []) for column in ("today", "total")]
    return any(key.startswith(REOPENING_PREFIXES) for key in keys)


def forward(apps, schema_editor) -> None:
    ReportFormat = apps.get_model("reports", "ReportFormat")
    office = _file("enterprise_office")
    if not ReportFormat.objects.filter(slug=office["slug"]).exists():
        ReportFormat.objects.create(
            slug=office["slug"],
            version=1,
            position=office.get("position", 100),
            title=office["title"],
            office=office["office"],
            spec=office["spec"],
            change_note=NOTE,
        )
    street = ReportFormat.objects.filter(slug="street_office").order_by("-version").first()
    if street is None or any(_shows_reopening(section) for section in street.spec.get("sections", [])):
        return
    added = [section for section in _file("street_office")["spec"]["sections"] if _shows_reopening(section)]
    spec = {**street.spec, "sections": [*street.spec.get("sections", []), *added]}
    ReportFormat.objects.create(
        slug=street.slug,
        version=street.version + 1,
        position=street.position,
        title=street.title,
        office=street.office,
        spec=spec,
        change_note=NOTE,
    )


def backward(apps, schema_editor) -> None:
    apps.get_model("reports", "ReportFormat").objects.filter(change_note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_report_formats")]

    operations = [migrations.RunPython(forward, backward)]
