"""When each household and each person was first screened in each campaign (ScreenedHousehold, ScreenedPerson),
filled from the calls and answers already recorded; record_attempt keeps them from then on."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Min

CHUNK = 5000


def _fill(model, rows) -> None:
    batch = []
    for row in rows.iterator(chunk_size=CHUNK):
        batch.append(model(**row))
        if len(batch) == CHUNK:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)


def fill_first_screenings(apps, schema_editor) -> None:
    """The earliest reached-or-vacant call per campaign and household, the earliest answer per campaign and
    resident: what keep_first_screening would have kept had it run with every attempt."""
    Attempt = apps.get_model("screening", "Attempt")
    Answer = apps.get_model("screening", "Answer")
    households = (
        Attempt.objects.filter(outcome__in=["reached", "vacant"])
        .order_by()
        .values("campaign_id", "household_id")
        .annotate(at=Min("at"))
    )
    _fill(apps.get_model("screening", "ScreenedHousehold"), households)
    persons = (
        Answer.objects.exclude(resident=None)
        .order_by()
        .values("resident_id", campaign_id=models.F("attempt__campaign_id"))
        .annotate(at=Min("attempt__at"))
    )
    _fill(apps.get_model("screening", "ScreenedPerson"), persons)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0012_map_geometry'),
        ('screening', '0004_indexes_for_figures'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScreenedHousehold',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(verbose_name='首次排查时间')),
                ('campaign', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='screening.campaign')),
                ('household', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.household')),
            ],
            options={
                'verbose_name': '住户首次排查',
                'verbose_name_plural': '住户首次排查',
                'indexes': [models.Index(fields=['campaign', 'at'], include=('household',), name='screened_household_at')],
                'constraints': [models.UniqueConstraint(fields=('campaign', 'household'), name='screened_household_once')],
            },
        ),
        migrations.CreateModel(
            name='ScreenedPerson',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(verbose_name='首次排查时间')),
                ('campaign', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='screening.campaign')),
                ('resident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.resident')),
            ],
            options={
                'verbose_name': '居民首次排查',
                'verbose_name_plural': '居民首次排查',
                'indexes': [models.Index(fields=['campaign', 'at'], include=('resident',), name='screened_person_at')],
                'constraints': [models.UniqueConstraint(fields=('campaign', 'resident'), name='screened_person_once')],
            },
        ),
        migrations.RunPython(fill_first_screenings, migrations.RunPython.noop),
    ]
