"""Retention: `manage.py purge_visitors` deletes what is older than VISITOR_RETENTION_DAYS, in batches,
keeps everything newer, writes only counts to the audit log, and is safe to run twice."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.identity import check_id_card, check_phone
from alleykeeper.gates.models import GateLogEntry
from alleykeeper.screening.models import KeyPerson
from alleykeeper.visitors.actions import make_key_person
from alleykeeper.visitors.models import Registration, new_code
from testkit.world import make_id

pytestmark = pytest.mark.django_db


def _registration(visit, n: int, age: timedelta) -> Registration:
    registration = Registration(
        gate=visit.gate,
        submission_key=f"retention{n:020d}",
        code=new_code(),
        name=f"来访{n}",
        arrival_date=timezone.localdate(),
        origin=visit.divisions["440300"],
        transport="car",
        reason="探亲",
        host_address="3号楼302",
        host_name="王翠琳",
        created_at=timezone.now() - age,
    )
    registration.seal_identity(check_id_card(make_id(order=f"{n:03d}")), check_phone("13905951234"))
    registration.save()
    return registration


def _log(visit, age: timedelta) -> GateLogEntry:
    return GateLogEntry.objects.create(
        gate=visit.gate, at=timezone.now() - age, direction="in", kind="visitor", visitor_code="ABC347"
    )


def test_purge_deletes_only_what_is_past_retention_in_batches(visit, settings):
    settings.VISITOR_RETENTION_DAYS = 28
    old = [_registration(visit, n, timedelta(days=28, minutes=5)) for n in range(7)]
    kept = [_registration(visit, 100 + n, age) for n, age in enumerate([timedelta(days=27, hours=23), timedelta(0)])]
    old_logs = [_log(visit, timedelta(days=30)) for _ in range(3)]
    kept_log = _log(visit, timedelta(days=1))
    out = StringIO()
    call_command("purge_visitors", "--batch-size", "3", stdout=out)
    assert set(Registration.objects.values_list("pk", flat=True)) == {r.pk for r in kept}
    assert list(GateLogEntry.objects.values_list("pk", flat=True)) == [kept_log.pk]
    assert not Registration.objects.filter(pk__in=[r.pk for r in old]).exists()
    assert not GateLogEntry.objects.filter(pk__in=[e.pk for e in old_logs]).exists()
    assert "registrations=7 gate_log_entries=3 batches=4" in out.getvalue()  # 3+3+1 and 3

    event = AuditEvent.objects.get(action="visitor.purge")
    assert event.row_count == 10 and event.actor is None
    assert event.detail["registrations"] == 7 and event.detail["gate_log_entries"] == 3
    assert event.detail["retention_days"] == 28
    # only counts: no name, code or number of anyone purged
    written = f"{event.object_label} {event.reason} {event.scope} {event.detail}"
    assert "来访" not in written.replace("来访登记", "") and old[0].code not in written
    assert old[0].doc_number_masked not in written


def test_purge_twice_is_safe(visit):
    _registration(visit, 1, timedelta(days=40))
    call_command("purge_visitors", stdout=StringIO())
    out = StringIO()
    call_command("purge_visitors", stdout=out)
    assert "registrations=0 gate_log_entries=0" in out.getvalue()
    assert [e.row_count for e in AuditEvent.objects.filter(action="visitor.purge").order_by("id")] == [1, 0]


def test_retention_follows_the_setting(visit, settings):
    settings.VISITOR_RETENTION_DAYS = 7
    _registration(visit, 1, timedelta(days=8))
    _registration(visit, 2, timedelta(days=6))
    call_command("purge_visitors", stdout=StringIO())
    assert list(Registration.objects.values_list("name", flat=True)) == ["来访2"]


def test_a_key_person_made_from_a_purged_registration_stays(world, visit, key_area, duty_on_shift):
    """The key person is screening's record (its own rules); only the visitor registration goes."""
    registration = _registration(visit, 1, timedelta(days=40))
    make_key_person(world.admin, registration)
    call_command("purge_visitors", stdout=StringIO())
    assert not Registration.objects.exists() and KeyPerson.objects.count() == 1
