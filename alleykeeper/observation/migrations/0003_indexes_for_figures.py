"""Fevers of a case in a period, and slots whose window closes in a period (history, whatever the status): the figures at a cutoff and their trends (bench/dashboard.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('observation', '0002_slot_list_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(condition=models.Q(('is_fever', True)), fields=['case', 'recorded_at'], name='obs_followup_fever'),
        ),
        migrations.AddIndex(
            model_name='followupslot',
            index=models.Index(fields=['closes_at'], include=('case', 'due_at', 'done_at'), name='obs_slot_closes'),
        ),
    ]
