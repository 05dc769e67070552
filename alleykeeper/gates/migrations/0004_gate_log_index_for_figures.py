"""The gate log's index by gate and time carries direction and flags: the figures count entries and turned back from it alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("gates", "0003_weekly_roster"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="gatelogentry",
            name="gates_gatel_gate_id_f15143_idx",
        ),
        migrations.AddIndex(
            model_name="gatelogentry",
            index=models.Index(fields=["gate", "-at"], include=("direction", "flags"), name="gatelog_gate_at"),
        ),
    ]
