"""Key persons found in a period per community, and the calls that screened a household by campaign and time: the figures
and their 28-day trends (bench/dashboard.py)."""

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
        migrations.AddIndex(
            model_name='attempt',
            index=models.Index(condition=models.Q(('outcome__in', ['reached', 'vacant'])), fields=['campaign', 'at'], include=('household',), name='attempt_screened'),
        ),
    ]
