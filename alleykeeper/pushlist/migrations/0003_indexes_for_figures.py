"""Outcomes set in a period per community (only rows with an outcome: imports write none), and the key persons a list named
(only rows matched to one): the outcome figures and "found locally, on no list" (bench/dashboard.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pushlist', '0002_fewer_indexes_and_constraints'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='pushedperson',
            index=models.Index(condition=models.Q(('outcome', ''), _negated=True), fields=['community', 'outcome_at'], name='pushedperson_settled'),
        ),
        migrations.AddIndex(
            model_name='pushedperson',
            index=models.Index(condition=models.Q(('key_person__isnull', False)), fields=['key_person'], include=('batch',), name='pushedperson_listed'),
        ),
    ]
