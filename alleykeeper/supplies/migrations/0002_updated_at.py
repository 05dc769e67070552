"""An item's change time (the API syncs by it): an existing item gets the time it was created."""

from django.db import migrations, models


def fill_updated_at(apps, schema_editor) -> None:
    apps.get_model("supplies", "SupplyItem").objects.update(updated_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0012_map_geometry"),
        ("supplies", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="supplyitem",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="修改时间"),
        ),
        migrations.AddIndex(
            model_name="supplyitem",
            index=models.Index(fields=["updated_at", "id"], name="supply_item_updated"),
        ),
        migrations.RunPython(fill_updated_at, migrations.RunPython.noop),
    ]
