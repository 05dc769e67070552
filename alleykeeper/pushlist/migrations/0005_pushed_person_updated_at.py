"""A pushed person's change time (the API syncs by it): an existing person gets the latest of the time their
batch was imported (or created), their outcome was set and a candidate of theirs was decided."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest


def fill_updated_at(apps, schema_editor) -> None:
    PushBatch = apps.get_model("pushlist", "PushBatch")
    PushMatch = apps.get_model("pushlist", "PushMatch")
    imported = Subquery(
        PushBatch.objects.filter(pk=OuterRef("batch_id")).values(time=Coalesce("imported_at", "created_at"))
    )
    decided = Subquery(
        PushMatch.objects.filter(person_id=OuterRef("pk"), decided_at__isnull=False)
        .order_by("-decided_at")
        .values("decided_at")[:1]
    )
    # Greatest of values never null: SQLite's MAX() of a null is null, PostgreSQL's GREATEST skips it.
    latest = Greatest(imported, Coalesce("outcome_at", imported), Coalesce(decided, imported))
    apps.get_model("pushlist", "PushedPerson").objects.update(updated_at=latest)


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
