"""The first version of each office's format, from alleykeeper/reports/formats/*.json (configuration, not
code). Later versions are saved in the admin (reports.actions.save_format); a format already present is left
alone, so running this again never overwrites an edited one."""

import json
from pathlib import Path

from django.db import migrations

FORMATS = Path(__file__).resolve().parent.parent / "formats"


def load(apps, schema_editor) -> None:
    ReportFormat = apps.get_model("reports", "ReportFormat")
    for path in sorted(FORMATS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not ReportFormat.objects.filter(slug=data["slug"]).exists():
            ReportFormat.objects.create(
                slug=data["slug"],
                version=1,
                position=data.get("position", 100),
                title=data["title"],
                office=data["office"],
                spec=data["spec"],
                change_note="初始格式",
            )


def unload(apps, schema_editor) -> None:
    ReportFormat = apps.get_model("reports", "ReportFormat")
    DailyReport = apps.get_model("reports", "DailyReport")
    if not DailyReport.objects.exists():
        ReportFormat.objects.filter(version=1, change_note="初始格式").delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_signed_reports_are_immutable")]

    operations = [migrations.RunPython(load, unload)]
