"""Outcomes set in a period per community (only rows with an outcome: imports write none): the outcome figures (bench/dashboard.py)."""

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
    ]
