# The prevention map: grids and alleys get drawn shapes, alleys a lead (巷长: a name and what they are), and a
# building's position becomes a GeoJSON geometry (the one place of its position) instead of a
# latitude/longitude pair; positions already stored are carried over as Points.

from django.db import migrations, models


def points_from_coordinates(apps, schema_editor):
    Building = apps.get_model("registry", "Building")
    located = Building.objects.filter(latitude__isnull=False, longitude__isnull=False).only("latitude", "longitude")
    for building in located.iterator():
        building.geometry = {"type": "Point", "coordinates": [float(building.longitude), float(building.latitude)]}
        building.save(update_fields=["geometry"])


def coordinates_from_points(apps, schema_editor):
    Building = apps.get_model("registry", "Building")
    for building in Building.objects.filter(geometry__type="Point").iterator():
        building.longitude, building.latitude = building.geometry["coordinates"][:2]
        building.save(update_fields=["latitude", "longitude"])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_grid_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="alley",
            name="geometry",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="走向"),
        ),
        migrations.AddField(
            model_name="alley",
            name="lead_kind",
            field=models.CharField(
                blank=True,
                choices=[("cadre", "干部"), ("party_member", "党员"), ("volunteer", "志愿者")],
                max_length=20,
                verbose_name="巷长身份",
            ),
        ),
        migrations.AddField(
            model_name="alley",
            name="lead_name",
            field=models.CharField(blank=True, max_length=50, verbose_name="巷长"),
        ),
        migrations.AddField(
            model_name="building",
            name="geometry",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="位置"),
        ),
        migrations.AddField(
            model_name="grid",
            name="geometry",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="范围"),
        ),
        migrations.RunPython(points_from_coordinates, coordinates_from_points),
        migrations.RemoveField(model_name="building", name="latitude"),
        migrations.RemoveField(model_name="building", name="longitude"),
    ]
