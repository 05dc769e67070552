"""`updated_since` on the lists that gained a change time (push batches, pushed people, gates, disinfection
tasks, supplies, daily reports): a change made through the pages' own actions moves the row into the next sync."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from alleykeeper.api.tests.builders import build_records
from alleykeeper.api.tests.conftest import api_for
from alleykeeper.gates import actions as gate_actions
from alleykeeper.gates.models import Gate, GateState
from alleykeeper.pushlist import actions as push_actions
from alleykeeper.pushlist.models import BatchStatus, Outcome, PushBatch, PushedPerson
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
