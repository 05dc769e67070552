"""Key persons found in a period, per community: the figures and their 28-day trends (bench/dashboard.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('screening', '0003_blind_indexes_plain_btree'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='keyperson',
            index=models.Index(fields=['community', 'created_at'], name='keyperson_found'),
        ),
    ]
