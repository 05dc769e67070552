"""A report's change time (the API syncs by it): an existing report gets the time it was signed or generated."""

import importlib

from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Coalesce

IMMUTABLE = importlib.import_module("alleykeeper.reports.migrations.0002_signed_reports_are_immutable")


def fill_updated_at(apps, schema_editor) -> None:
    """Signed reports refuse every UPDATE (migration 0002), so the trigger steps aside for this one. On SQLite
    adding the column rebuilt the table, which dropped the trigger: it is made again here."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE reports_dailyreport DISABLE TRIGGER reports_dailyreport_signed_immutable")
    for sql in IMMUTABLE.SQLITE_DROP if vendor == "sqlite" else []:
        schema_editor.execute(sql)
    apps.get_model("reports", "DailyReport").objects.update(updated_at=Coalesce("signed_at", "generated_at"))
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE reports_dailyreport ENABLE TRIGGER reports_dailyreport_signed_immutable")
    for sql in IMMUTABLE.SQLITE if vendor == "sqlite" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0012_map_geometry"),
        ("reports", "0007_figure_snapshot"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="dailyreport",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="修改时间"),
        ),
        migrations.AddIndex(
            model_name="dailyreport",
            index=models.Index(fields=["updated_at", "id"], name="daily_report_updated"),
        ),
        migrations.RunPython(fill_updated_at, migrations.RunPython.noop),
    ]
