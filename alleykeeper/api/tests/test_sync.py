"""`updated_since` on the lists that gained a change time (push batches, pushed people, gates, disinfection
tasks, supplies, daily reports): a change made through the pages' own actions moves the row into the next sync."""

from datetime import datetime, timedelta
from decimal import Decimal
from importlib import import_module

import pytest
import time_machine
from django.apps import apps as django_apps
from django.utils import timezone

from alleykeeper.api.tests.builders import build_records
from alleykeeper.api.tests.conftest import api_for
from alleykeeper.gates import actions as gate_actions
from alleykeeper.gates.models import Gate, GateState
from alleykeeper.pushlist import actions as push_actions
from alleykeeper.pushlist.models import (
    BatchStatus,
    MatchRule,
    MatchStatus,
    Outcome,
    PushBatch,
    PushedPerson,
    PushMatch,
)
from alleykeeper.pushlist.tests.files import csv_bytes, row
from alleykeeper.reports.actions import sign_report
from alleykeeper.reports.models import DailyReport
from alleykeeper.sanitation.actions import Done, complete_task
from alleykeeper.sanitation.models import DisinfectionTask
from alleykeeper.supplies import actions as supply_actions
from alleykeeper.supplies.models import MoveKind, SupplyItem
from testkit.world import make_id

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))


def _ids(client, path: str, **params) -> list[int]:
    ids, cursor = [], None
    while True:
        body = client.get(path, limit=1, **params, **({"cursor": cursor} if cursor else {})).json()
        ids += [row["id"] for row in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


def _draft(world) -> DailyReport:
    now = timezone.now()
    return DailyReport.objects.create(
        community=world.community, day=timezone.localdate() - timedelta(days=1), window_start=now - timedelta(days=1),
        window_end=now, figures={"households": 1}, generated_at=now,
    )  # fmt: skip


CHANGES = {
    "push-batches": lambda world, pk: push_actions.confirm_mapping(PushBatch.objects.get(pk=pk), {"name": 0}),
    "push-people": lambda world, pk: push_actions.set_outcome(
        world.admin, PushedPerson.objects.get(pk=pk), Outcome.SCREENED, "已电话核实"
    ),
    "gates": lambda world, pk: gate_actions.update_gate(
        world.admin, Gate.objects.get(pk=pk), {"state": GateState.CLOSED}
    ),
    "sanitation/tasks": lambda world, pk: complete_task(
        world.admin, DisinfectionTask.objects.get(pk=pk), Done(agent_used="84消毒液", amount=None, item=None)
    ),
    "supplies/items": lambda world, pk: supply_actions.receive_stock(
        world.admin, SupplyItem.objects.get(pk=pk), MoveKind.PURCHASE, Decimal("5"), source="药店"
    ),
    "daily-reports": lambda world, pk: sign_report(world.admin, DailyReport.objects.get(pk=pk)),
}


@pytest.mark.parametrize("resource", CHANGES)
def test_a_change_moves_the_row_into_updated_since(world, resource):
    with time_machine.travel(START, tick=False):
        records = build_records(world)
        mine = _draft(world).pk if resource == "daily-reports" else records[resource].mine
    client = api_for(world.admin)
    path = f"/api/v1/{resource}"
    since = (START + timedelta(minutes=30)).isoformat()
    assert _ids(client, path, updated_since=since) == []
    assert mine in _ids(client, path)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        CHANGES[resource](world, mine)
    assert _ids(client, path, updated_since=since) == [mine]
    assert client.get(f"{path}/{mine}").json()["updated_at"].startswith("2026-03-02T02:00:00")
    assert _ids(client, path, updated_since=(START + timedelta(hours=2)).isoformat()) == []


def test_a_batch_left_alone_keeps_its_change_time(world):
    with time_machine.travel(START, tick=False):
        batch = PushBatch.objects.get(pk=build_records(world)["push-batches"].mine)
    assert batch.status == BatchStatus.DONE and batch.updated_at == START


def test_people_imported_carry_the_import_time(world, settings, tmp_path):
    """An import writes its people by COPY on PostgreSQL and by bulk_create on SQLite: both stamp them with
    the import's time, so the next sync finds them."""
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "uploads"
    rows = [row("王翠琳", make_id(order="124"), "13859901234", number=1), row("陈某某", "", "13959907777", number=2)]
    with time_machine.travel(START, tick=False):
        batch = push_actions.upload_push_list(
            world.admin, world.community, [csv_bytes(rows)], "推送名单.csv", received_on=START.date(), source="区指挥部"
        ).batch
        push_actions.confirm_mapping(batch, batch.mapping)
        push_actions.import_batch(world.admin, batch)
    people = list(PushedPerson.objects.filter(batch=batch))
    assert len(people) == 2 and {p.updated_at for p in people} == {START}
    client = api_for(world.admin)
    since = (START - timedelta(minutes=1)).isoformat()
    assert sorted(_ids(client, "/api/v1/push-people", updated_since=since)) == sorted(p.pk for p in people)
    assert _ids(client, "/api/v1/push-people", updated_since=(START + timedelta(minutes=1)).isoformat()) == []


def test_the_next_sync_starts_early_enough_for_rows_still_being_written(world, settings):
    """A row stamped by a transaction that commits after a page was read (an import's people carry its start
    time) is found by the next sync: server_time is the read less API_SYNC_OVERLAP_SECONDS."""
    settings.API_SYNC_OVERLAP_SECONDS = 300
    client = api_for(world.admin)
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        body = client.get("/api/v1/push-people").json()
    since = datetime.fromisoformat(body["server_time"])
    assert since == START + timedelta(minutes=5)
    with time_machine.travel(START + timedelta(minutes=6), tick=False):  # stamped before the read, seen after it
        mine = build_records(world)["push-people"].mine
    assert mine in _ids(client, "/api/v1/push-people", updated_since=since.isoformat())


@pytest.mark.parametrize("decide", ["confirm_match", "reject_match"])
def test_a_review_decision_moves_the_person_into_the_next_sync(world, decide):
    with time_machine.travel(START, tick=False):
        person = PushedPerson.objects.get(pk=build_records(world)["push-people"].mine)
        candidate = PushMatch.objects.create(
            person=person, resident=person.household.residents.get(), household=person.household, grid=person.grid,
            rule=MatchRule.NAME_ADDRESS, confidence=70, reason="姓名、住址相同", status=MatchStatus.PENDING,
        )  # fmt: skip
    client = api_for(world.admin)
    since = (START + timedelta(minutes=30)).isoformat()
    assert _ids(client, "/api/v1/push-people", updated_since=since) == []
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        getattr(push_actions, decide)(world.admin, candidate, "已核实")
    assert _ids(client, "/api/v1/push-people", updated_since=since) == [person.pk]


def test_the_migration_gives_each_person_its_latest_change(world):
    """Migration pushlist/0005 fills updated_at of the people already there: the latest of the import, the
    outcome and a candidate's decision."""
    with time_machine.travel(START, tick=False):
        records = build_records(world)
        first, second = (
            PushedPerson.objects.get(pk=pk) for pk in (records["push-people"].mine, records["push-people"].outsider)
        )
        batch = first.batch
        batch.imported_at = START
        batch.save(update_fields=["imported_at"])
        PushMatch.objects.create(
            person=first, resident=first.household.residents.get(), rule=MatchRule.NAME_ADDRESS, confidence=70,
            reason="姓名、住址相同", status=MatchStatus.CONFIRMED, decided_at=START + timedelta(hours=2),
        )  # fmt: skip
    PushedPerson.objects.filter(pk=second.pk).update(outcome="screened", outcome_at=START + timedelta(hours=3))
    PushedPerson.objects.update(updated_at=START - timedelta(days=9))
    import_module("alleykeeper.pushlist.migrations.0005_pushed_person_updated_at").fill_updated_at(django_apps, None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.updated_at == START + timedelta(hours=2)
    assert second.updated_at == START + timedelta(hours=3)
