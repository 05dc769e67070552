# The prevention map: enclosures get a drawn area, and a gate's position becomes a GeoJSON Point (the one
# place of its position) instead of a latitude/longitude pair; positions already stored are carried over.

from django.db import migrations, models


def points_from_coordinates(apps, schema_editor):
    Gate = apps.get_model("gates", "Gate")
    for gate in Gate.objects.filter(latitude__isnull=False, longitude__isnull=False).only("latitude", "longitude"):
        gate.geometry = {"type": "Point", "coordinates": [float(gate.longitude), float(gate.latitude)]}
        gate.save(update_fields=["geometry"])


def coordinates_from_points(apps, schema_editor):
    Gate = apps.get_model("gates", "Gate")
    for gate in Gate.objects.filter(geometry__type="Point"):
        gate.longitude, gate.latitude = gate.geometry["coordinates"][:2]
        gate.save(update_fields=["latitude", "longitude"])


class Migration(migrations.Migration):
    dependencies = [
        ("gates", "0003_weekly_roster"),
    ]

    operations = [
        migrations.AddField(
            model_name="enclosure",
            name="geometry",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="范围"),
        ),
        migrations.AddField(
            model_name="gate",
            name="geometry",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="位置"),
        ),
        migrations.RunPython(points_from_coordinates, coordinates_from_points),
        migrations.RemoveField(model_name="gate", name="latitude"),
        migrations.RemoveField(model_name="gate", name="longitude"),
    ]
