"""The street office's format gains the section 九、宣传 (issue 14 item 7: publicity reach): a new version of
it, from formats/street_office.json, where the current version does not have the section yet. A fresh database already
has it from 0003 (which reads the same file); an edited format keeps its edits and gains only the section."""

import json
from pathlib import Path

from django.db import migrations

SECTION_TITLE = "九、宣传"
FORMAT = Path(__file__).resolve().parent.parent / "formats" / "street_office.json"


def _section() -> dict:
    spec = json.loads(FORMAT.read_text(encoding="utf-8"))["spec"]
    return next(s for s in spec["sections"] if s.get("title") == SECTION_TITLE)


def add_section(apps, schema_editor) -> None:
    ReportFormat = apps.get_model("reports", "ReportFormat")
    latest = ReportFormat.objects.filter(slug="street_office").order_by("-version").first()
    if latest is None:
        return
    sections = latest.spec.get("sections", [])
    if any(s.get("title") == SECTION_TITLE for s in sections):
        return
    ReportFormat.objects.create(
        slug=latest.slug,
        version=latest.version + 1,
        position=latest.position,
        title=latest.title,
        office=latest.office,
        spec={**latest.spec, "sections": [*sections, _section()]},
        change_note="增加：九、宣传",
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_sanitation_in_street_format"), ("publicity", "0001_initial")]

    # Backwards: the version stays (format versions are never removed; reports may have been read in it).
    operations = [migrations.RunPython(add_section, migrations.RunPython.noop)]
