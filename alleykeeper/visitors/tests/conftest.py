"""Fixtures of the visitor tests: divisions, a key area, a gate with a shift, a valid form."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from alleykeeper.gates.models import Enclosure, Gate, Shift, ShiftMember
from alleykeeper.places.models import Division, DivisionLevel, KeyArea
from testkit.world import World, make_id

DIVISIONS = [
    ("350000", "福建省", 1, None),
    ("350500", "泉州市", 2, "350000"),
    ("350502", "鲤城区", 3, "350500"),
    ("420000", "湖北省", 1, None),
    ("420100", "武汉市", 2, "420000"),
    ("420102", "江岸区", 3, "420100"),
    ("420500", "宜昌市", 2, "420000"),
    ("440000", "广东省", 1, None),
    ("440300", "深圳市", 2, "440000"),
]


def make_divisions() -> dict[str, Division]:
    made = {}
    for code, name, level, parent in DIVISIONS:
        made[code], _ = Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": DivisionLevel(level), "parent_id": parent}
        )
    return made


def make_gate(world: World, name: str = "东门", enclosure_name: str = "东片区") -> Gate:
    enclosure, _ = Enclosure.objects.get_or_create(community=world.community, name=enclosure_name)
    return Gate.objects.create(enclosure=enclosure, name=name)


def put_on_duty(user, gate: Gate) -> Shift:
    now = timezone.now()
    shift = Shift.objects.create(gate=gate, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=7))
    ShiftMember.objects.create(shift=shift, user=user, is_leader=True)
    return shift


def form_data(key: str = "k" * 24, **overrides: str) -> dict[str, str]:
    data = {
        "name": "林晓东",
        "doc_type": "id_card",
        "doc_number": make_id(born="19900707", order="135"),
        "phone": "13905951234",
        "arrival_date": timezone.localdate().isoformat(),
        "origin": "440300",
        "origin_county": "",
        "passed_1": "",
        "passed_2": "",
        "passed_3": "",
        "transport": "train",
        "transport_number": "D3125",
        "reason": "探亲",
        "host_address": "3号楼302",
        "host_name": "王翠琳",
        "submission_key": key,
    }
    data.update(overrides)
    return data


@dataclass
class Visit:
    gate: Gate
    divisions: dict[str, Division]
    url: str


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counters and the key-area cache live in the cache: start and leave every test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def visit(world) -> Visit:
    divisions = make_divisions()
    gate = make_gate(world)
    return Visit(gate=gate, divisions=divisions, url=f"/v/{gate.token}/")


@pytest.fixture
def key_area(visit) -> KeyArea:
    """Wuhan is a key area since 30 days ago (Hubei's other cities are not)."""
    return KeyArea.objects.create(division=visit.divisions["420100"], start=timezone.localdate() - timedelta(days=30))


@pytest.fixture
def duty_on_shift(world, visit) -> Client:
    put_on_duty(world.duty, visit.gate)
    client = Client()
    client.force_login(world.duty)
    return client
