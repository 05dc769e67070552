"""A task's change time (the API syncs by it): an existing task gets the time it was done, else now."""

from django.conf import settings
from django.db import migrations, models


def fill_updated_at(apps, schema_editor) -> None:
    apps.get_model("sanitation", "DisinfectionTask").objects.filter(done_at__isnull=False).update(
        updated_at=models.F("done_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0012_map_geometry"),
        ("sanitation", "0002_initial"),
        ("supplies", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="disinfectiontask",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="修改时间"),
        ),
        migrations.AddIndex(
            model_name="disinfectiontask",
            index=models.Index(fields=["updated_at", "id"], name="task_updated"),
        ),
        migrations.RunPython(fill_updated_at, migrations.RunPython.noop),
    ]
