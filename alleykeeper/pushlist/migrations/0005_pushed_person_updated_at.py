"""A pushed person's change time (the API syncs by it): an existing person gets the time their outcome was set,
else the time their batch was imported (or created)."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill_updated_at(apps, schema_editor) -> None:
    PushBatch = apps.get_model("pushlist", "PushBatch")
    imported = PushBatch.objects.filter(pk=OuterRef("batch_id")).values(time=Coalesce("imported_at", "created_at"))
    apps.get_model("pushlist", "PushedPerson").objects.update(updated_at=Coalesce("outcome_at", Subquery(imported)))


class Migration(migrations.Migration):
    dependencies = [("pushlist", "0004_updated_at")]

    operations = [
        migrations.AddField(
            model_name="pushedperson",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="修改时间"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_updated_at, migrations.RunPython.noop),
    ]
