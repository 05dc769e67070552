# Grids in the community's own order: a sort number the admin sets, and the name's natural key.

from django.db import migrations, models


def fill_name_keys(apps, schema_editor) -> None:
    """Existing grids get the key registry.actions.save_grid keeps from now on."""
    from alleykeeper.core.ordering import natural_sort_key

    Grid = apps.get_model("registry", "Grid")
    grids = list(Grid.objects.only("id", "name"))
    for grid in grids:
        grid.name_key = natural_sort_key(grid.name)
    Grid.objects.bulk_update(grids, ["name_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_grid_order_community_scope"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="grid",
            options={
                "ordering": [
                    "community_id",
                    models.OrderBy(models.F("sort_number"), nulls_last=True),
                    "name_key",
                    "id",
                ],
                "verbose_name": "网格",
                "verbose_name_plural": "网格",
            },
        ),
        migrations.AddField(
            model_name="grid",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=700),
        ),
        migrations.AddField(
            model_name="grid",
            name="sort_number",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="小的在前；不填则按名称中的数字排（第二网格在第十网格之前）。",
                null=True,
                verbose_name="排序号",
            ),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
    ]
