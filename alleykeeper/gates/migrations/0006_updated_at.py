"""A gate's change time (the API syncs by it): an existing gate gets the time of this migration."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("gates", "0005_merge_map_geometry_and_log_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="gate",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="修改时间"),
        ),
        migrations.AddIndex(
            model_name="gate",
            index=models.Index(fields=["updated_at", "id"], name="gate_updated"),
        ),
    ]
