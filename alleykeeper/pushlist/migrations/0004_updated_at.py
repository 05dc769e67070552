"""A batch's change time (the API syncs by it): an existing batch gets the time it was imported or created."""

from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Coalesce


def fill_updated_at(apps, schema_editor) -> None:
    apps.get_model("pushlist", "PushBatch").objects.update(updated_at=Coalesce("imported_at", "created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("pushlist", "0003_indexes_for_figures"),
        ("registry", "0012_map_geometry"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="pushbatch",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="修改时间"),
        ),
        migrations.AddIndex(
            model_name="pushbatch",
            index=models.Index(fields=["updated_at", "id"], name="pushbatch_updated"),
        ),
        migrations.RunPython(fill_updated_at, migrations.RunPython.noop),
    ]
