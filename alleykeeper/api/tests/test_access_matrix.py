"""Each persona against each resource of the API: the capability decides 200 or 403, the scope decides what a
list holds, and a record out of scope is a 404 (never a 403 that would confirm it exists)."""

import pytest

from alleykeeper.accounts.roles import Capability
from alleykeeper.api.tests.builders import build_records

pytestmark = pytest.mark.django_db

# Who may list each resource: any one of these capabilities.
NEEDS = {
    "households": {Capability.VIEW_REGISTER},
    "residents": {Capability.VIEW_REGISTER},
    "key-persons": {Capability.VIEW_KEY_PERSONS},
    "screening/attempts": {Capability.SCREEN, Capability.MANAGE_CAMPAIGNS},
    "push-batches": {Capability.RECONCILE_PUSH_LIST},
    "push-people": {Capability.RECONCILE_PUSH_LIST},
    "observation/cases": {Capability.FOLLOW_UP},
    "observation/follow-ups": {Capability.FOLLOW_UP},
    "gates": {Capability.GATE_DUTY},
    "visitor-registrations": {Capability.GATE_DUTY},
    "reopening/applications": {Capability.VIEW_REOPENING},
    "sanitation/tasks": {Capability.DISINFECT, Capability.MANAGE_SANITATION},
    "supplies/items": {Capability.DISINFECT, Capability.MANAGE_SUPPLIES},
    "daily-reports": {Capability.VIEW_REPORTS},
}
# Records of one grid: grid B's worker never sees grid A's.
GRID_SCOPED = {
    "households", "residents", "key-persons", "screening/attempts", "push-people", "observation/cases",
    "observation/follow-ups", "reopening/applications",
}  # fmt: skip
PERSONAS = ("admin", "worker_a", "worker_b", "duty", "officer", "volunteer", "anonymous")


def _ids(client, path: str) -> set[int]:
    ids, cursor = set(), None
    while True:
        body = client.get(path, limit=200, **({"cursor": cursor} if cursor else {})).json()
        ids |= {row["id"] for row in body["items"]}
        cursor = body["next_cursor"]
        if not cursor:
            return ids


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(persona, world, api_personas):
    records = build_records(world)
    client = api_personas[persona]
    user = getattr(world, persona, None)
    problems = []
    for resource, pair in records.items():
        path = f"/api/v1/{resource}"
        listed = client.get(path)
        detail_mine = client.get(f"{path}/{pair.mine}").status_code
        detail_outsider = client.get(f"{path}/{pair.outsider}").status_code
        if user is None:
            expected = 401
        else:
            expected = 200 if any(user.can(c) for c in NEEDS[resource]) else 403
        if listed.status_code != expected:
            problems.append(f"{resource}: list {listed.status_code}, expected {expected}")
        if expected != 200:
            if detail_outsider != expected or detail_mine != expected:
                problems.append(f"{resource}: detail {detail_mine}/{detail_outsider}, expected {expected}")
            continue
        ids = _ids(client, path)
        if pair.outsider in ids or detail_outsider != 404:
            problems.append(f"{resource}: another street's record reached ({detail_outsider})")
        if persona == "admin" and (pair.mine not in ids or detail_mine != 200):
            problems.append(f"{resource}: the admin misses the community's record ({detail_mine})")
        if persona == "worker_b" and resource in GRID_SCOPED and (pair.mine in ids or detail_mine != 404):
            problems.append(f"{resource}: grid B's worker reaches grid A's record ({detail_mine})")
        if persona == "worker_a" and resource in GRID_SCOPED and (pair.mine not in ids or detail_mine != 200):
            problems.append(f"{resource}: grid A's worker misses their record ({detail_mine})")
    assert not problems, "\n".join(problems)
