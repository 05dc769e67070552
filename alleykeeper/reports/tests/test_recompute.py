"""Trust in the figures: every figure recomputed from the raw rows in plain Python, for a generated world whose
events sit on the cutoffs' edges (one second before, at, one second after), compared with compute() for each
report day, by community and by grid. A figure added to FIGURES without a plain definition here fails."""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from alleykeeper.gates.models import Gate, GateLogEntry, Shift, ShiftMember
from alleykeeper.observation.models import FollowUp, FollowUpSlot, ObservationCase
from alleykeeper.pushlist.models import Outcome, PushBatch, PushedPerson
from alleykeeper.registry.models import Grid, Household, Resident
from alleykeeper.reports.figures import FIGURES, Area, Window, compute, series
from alleykeeper.reports.snapshot import refresh_snapshots, snapshot_of
from alleykeeper.reports.tests.recompute_apps import (
    DAYS,
    build_publicity,
    build_reopening,
    build_sanitation,
    plain_publicity,
    plain_reopening,
    rows,
)
from alleykeeper.reports.tests.scenario import gate_for, wuhan
from alleykeeper.sanitation.models import DisinfectionTask
from alleykeeper.screening.actions import keep_first_screening
from alleykeeper.screening.models import Answer, Attempt, Campaign, KeyPerson
from alleykeeper.supplies.models import OUT_KINDS, StockMove, SupplyItem
from alleykeeper.visitors.models import Registration
from testkit.world import add_resident, make_household

pytestmark = pytest.mark.django_db
GRACE = timedelta(minutes=60)


def _moments(rng: random.Random) -> list[datetime]:
    """The edges of every cutoff (one second before, at, after) and a few moments between them."""
    moments = []
    for day in DAYS:
        cutoff = Window.report_day(day).end
        moments += [cutoff - timedelta(seconds=1), cutoff, cutoff + timedelta(seconds=1)]
        moments += [cutoff - timedelta(hours=rng.randint(1, 23)) for _ in range(2)]
    return moments


def _build(world, rng: random.Random) -> None:
    when = _moments(rng).__getitem__
    pick = lambda: when(rng.randrange(len(DAYS) * 5))  # noqa: E731
    grids = [world.grid_a, world.grid_b, world.grid_other]
    current = Campaign.objects.create(community=world.community, name="本轮", start_date=date(2020, 2, 1))
    current.grids.set([world.grid_a, world.grid_b])
    old = Campaign.objects.create(
        community=world.community, name="上轮", start_date=date(2020, 1, 1), end_date=date(2020, 1, 31)
    )
    other = Campaign.objects.create(community=world.other_community, name="新华", start_date=date(2020, 2, 9))
    households = []
    for n in range(24):
        grid = grids[n % 3]
        household = make_household(grid, f"{n}号楼", "101")
        Household.objects.filter(pk=household.pk).update(created_at=pick())
        people = [add_resident(household, f"居民{n}甲"), add_resident(household, f"居民{n}乙")]
        households.append((household, people))
    for household, people in households:
        campaigns = [other] if household.community_id == world.other_community.pk else [current, old]
        for _ in range(rng.randint(0, 3)):
            attempt = Attempt.objects.create(
                campaign=rng.choice(campaigns),
                household=household,
                worker=world.worker_a,
                at=pick(),
                channel="phone",
                outcome=rng.choice(["reached", "vacant", "no_answer", "refused"]),
            )
            question = attempt.campaign.questions.first() or attempt.campaign.questions.create(
                text="是否", kind="yes_no"
            )
            answered = rng.sample(people, rng.randint(0, 2))
            for person in answered:
                Answer.objects.create(
                    attempt=attempt, resident=person, person_name=person.name, question=question, value="否"
                )
            # What record_attempt keeps with each call (written here out of order in time, as a late entry is).
            keep_first_screening(attempt, [person.pk for person in answered])
        for person in people:
            if rng.random() < 0.5:
                key = KeyPerson.objects.create(
                    community_id=household.community_id,
                    grid_id=household.grid_id,
                    household=household,
                    resident=person,
                    name=person.name,
                    source="screening",
                )
                KeyPerson.objects.filter(pk=key.pk).update(created_at=pick())
            if rng.random() < 0.6:
                opened = pick()
                status = rng.choice(["active", "active", "released", "transferred"])
                closed = None if status == "active" else max(opened, pick())
                case = ObservationCase.objects.create(
                    community_id=household.community_id,
                    grid_id=household.grid_id,
                    household=household,
                    resident=person,
                    name=person.name,
                    reason="key_area",
                    day_zero_basis="arrival",
                    day_zero=date(2020, 2, 1),
                    started_on=date(2020, 2, 1),
                    planned_end=date(2020, 2, 15),
                    assigned_worker=world.worker_a,
                    opened_at=opened,
                    status=status,
                    closed_at=closed,
                    escalated_at=pick() if rng.random() < 0.3 else None,
                )
                for _ in range(rng.randint(0, 3)):
                    FollowUp.objects.create(case=case, recorded_at=pick(), is_fever=rng.random() < 0.4)
                for _ in range(rng.randint(0, 3)):
                    due = pick()
                    closes = due + timedelta(hours=rng.choice([1, 4, 8]))
                    done = rng.choice([None, due + timedelta(minutes=30), closes])
                    FollowUpSlot.objects.get_or_create(
                        case=case, due_at=due, defaults={"closes_at": closes, "done_at": done}
                    )
    keys = list(KeyPerson.objects.all())
    for community in (world.community, world.other_community):
        for n in range(3):
            batch = PushBatch.objects.create(
                community=community,
                received_on=date(2020, 2, 9),
                file_name=f"{n}.csv",
                file_sha256=f"{community.pk}-{n}",
                status="done",
                imported_at=pick(),
            )
            for row in range(rng.randint(1, 6)):
                settled = rng.random() < 0.7
                PushedPerson.objects.create(
                    batch=batch,
                    community=community,
                    row_number=row,
                    name=f"推{row}",
                    grid=rng.choice([g for g in grids if g.community_id == community.pk] + [None]),
                    key_person=rng.choice(keys + [None] * 4),
                    outcome=rng.choice(Outcome.values) if settled else "",
                    outcome_at=pick() if settled else None,
                )
    gate = gate_for(world)
    gates = [gate, gate.enclosure.gates.create(name="北门"), gate.enclosure.gates.create(name="西门", state="closed")]
    # Opening hours: the cutoff (15:00) falls inside the day gate's hours and outside the night gate's.
    gates += [
        gate.enclosure.gates.create(name="南门", opens_at=time(7), closes_at=time(21)),
        gate.enclosure.gates.create(name="夜门", opens_at=time(21), closes_at=time(7)),
    ]
    for n in range(30):
        Registration.objects.create(
            gate=rng.choice(gates),
            submission_key=f"s{n}",
            code=f"C{n:05d}",
            name=f"访{n}",
            arrival_date=date(2020, 2, 9),
            origin=wuhan(),
            transport="car",
            reason="探亲",
            host_address="1号楼",
            host_name="某",
            key_area_names=rng.choice(["", "湖北省"]),
            created_at=pick(),
        )
        GateLogEntry.objects.create(
            gate=rng.choice(gates),
            at=pick(),
            direction=rng.choice(["in", "out"]),
            kind="resident",
            flags=rng.choice(["", " kept_outside ", " fever ", " fever kept_outside "]),
        )
    for _ in range(12):  # shifts starting and ending on the edges too: on duty at the cutoff is start <= it < end
        start = pick()
        shift, made = Shift.objects.get_or_create(
            gate=rng.choice(gates), starts_at=start, defaults={"ends_at": start + timedelta(hours=rng.choice([8, 24]))}
        )
        if made and rng.random() < 0.7:
            ShiftMember.objects.create(shift=shift, user=world.duty, is_leader=True)
    build_reopening(grids, rng, pick)
    build_publicity(world, rng, pick)
    build_sanitation(world, rng, pick)


def _open_by_hours(opens: time | None, closes: time | None, t: time) -> bool:
    if opens is None or closes is None:
        return True
    return opens <= t < closes if opens < closes else (t >= opens or t < closes)


def _plain(window: Window) -> dict[tuple[str, int, int | None], int]:
    """Every figure, counted in Python over all rows: {(key, community, grid or None): count}."""
    s, e = window.start, window.end
    within = lambda t: t is not None and s <= t < e  # noqa: E731
    before = lambda t: t is not None and t < e  # noqa: E731
    homes = {h["id"]: h for h in rows(Household, "id", "community_id", "grid_id", "created_at")}
    residents = {r["id"]: homes[r["household_id"]] for r in rows(Resident, "id", "household_id")}
    campaigns = {c["id"]: c for c in rows(Campaign, "id", "community_id", "start_date", "end_date")}
    day = window.last_day
    running = {
        pk for pk, c in campaigns.items() if c["start_date"] <= day and (c["end_date"] is None or c["end_date"] >= day)
    }
    attempts = {a["id"]: a for a in rows(Attempt, "id", "campaign_id", "household_id", "at", "outcome")}
    cases = rows(ObservationCase, "id", "community_id", "grid_id", "opened_at", "closed_at", "status", "escalated_at")
    case_of = {c["id"]: c for c in cases}
    batches = {b["id"]: b for b in rows(PushBatch, "id", "imported_at")}
    pushed = rows(PushedPerson, "id", "community_id", "grid_id", "batch_id", "outcome", "outcome_at", "key_person_id")
    gates = {g["id"]: g for g in rows(Gate, "id", "enclosure__community_id", "state", "opens_at", "closes_at")}
    counts: dict[tuple[str, int, int | None], set] = defaultdict(set)

    def add(key: str, community: int, grid: int | None, record: object) -> None:
        counts[(key, community, None)].add(record)
        if grid is not None:
            counts[(key, community, grid)].add(record)

    for h in homes.values():
        if before(h["created_at"]):
            add("households_registered", h["community_id"], h["grid_id"], h["id"])
    for a in attempts.values():
        home = homes[a["household_id"]]
        if (
            a["outcome"] in ("reached", "vacant")
            and campaigns[a["campaign_id"]]["community_id"] == home["community_id"]
        ):
            if within(a["at"]):
                add("households_screened", home["community_id"], home["grid_id"], home["id"])
            if before(a["at"]) and a["campaign_id"] in running:
                add("households_screened_total", home["community_id"], home["grid_id"], home["id"])
    for answer in rows(Answer, "attempt_id", "resident_id"):
        attempt, home = attempts[answer["attempt_id"]], residents[answer["resident_id"]]
        if within(attempt["at"]):
            add("persons_screened", home["community_id"], home["grid_id"], answer["resident_id"])
        if before(attempt["at"]) and attempt["campaign_id"] in running:
            add("persons_screened_total", home["community_id"], home["grid_id"], answer["resident_id"])
    listed = {
        p["key_person_id"] for p in pushed if p["key_person_id"] and before(batches[p["batch_id"]]["imported_at"])
    }
    for k in rows(KeyPerson, "id", "community_id", "grid_id", "created_at"):
        if within(k["created_at"]):
            add("key_persons_new", k["community_id"], k["grid_id"], k["id"])
        if before(k["created_at"]):
            add("key_persons_total", k["community_id"], k["grid_id"], k["id"])
            if k["id"] not in listed:
                add("local_not_on_push_list", k["community_id"], k["grid_id"], k["id"])
    fevers = {
        f["case_id"]
        for f in rows(FollowUp, "case_id", "recorded_at", "is_fever")
        if f["is_fever"] and within(f["recorded_at"])
    }
    for c in cases:
        place = (c["community_id"], c["grid_id"], c["id"])
        if before(c["opened_at"]) and not before(c["closed_at"]):
            add("observation_current", *place)
        if within(c["opened_at"]):
            add("observation_opened", *place)
        if before(c["opened_at"]):
            add("observation_opened_total", *place)
        for status, key in (("released", "observation_released"), ("transferred", "observation_transferred")):
            if c["status"] == status and within(c["closed_at"]):
                add(key, *place)
        if c["status"] == "released" and before(c["closed_at"]):
            add("observation_released_total", *place)
        if c["id"] in fevers:
            add("fevers_found", *place)
        if within(c["escalated_at"]):
            add("fevers_escalated", *place)
    for slot in rows(FollowUpSlot, "id", "case_id", "due_at", "closes_at", "done_at"):
        case, done = case_of[slot["case_id"]], slot["done_at"]
        place = (case["community_id"], case["grid_id"], slot["id"])
        not_done_by_end = done is None or done >= e
        if slot["due_at"] <= e - GRACE and slot["closes_at"] > e and not_done_by_end and not before(case["closed_at"]):
            add("followups_overdue", *place)
        if within(slot["closes_at"]) and (done is None or done >= slot["closes_at"]):
            add("followups_missed", *place)
    for p in pushed:
        if within(batches[p["batch_id"]]["imported_at"]):
            add("pushlist_received", p["community_id"], p["grid_id"], p["id"])
        if p["outcome"] and within(p["outcome_at"]):
            add(f"pushlist_{p['outcome']}", p["community_id"], p["grid_id"], p["id"])
    for r in rows(Registration, "id", "gate_id", "created_at", "key_area_names"):
        community = gates[r["gate_id"]]["enclosure__community_id"]
        if within(r["created_at"]):
            add("visitors_registered", community, None, r["id"])
            if r["key_area_names"]:
                add("visitors_from_key_area", community, None, r["id"])
    for g in rows(GateLogEntry, "id", "gate_id", "at", "direction", "flags"):
        community = gates[g["gate_id"]]["enclosure__community_id"]
        if within(g["at"]):
            if "kept_outside" in g["flags"].split():
                add("gate_turned_back", community, None, g["id"])
            elif g["direction"] == "in":
                add("gate_entries", community, None, g["id"])
    staffed = {
        s["gate_id"]
        for s in Shift.objects.filter(members__isnull=False).values("gate_id", "starts_at", "ends_at")
        if s["starts_at"] <= e < s["ends_at"]
    }
    for pk, g in gates.items():
        if g["state"] != "closed":
            add("gates_in_service", g["enclosure__community_id"], None, pk)
            if pk in staffed:
                add("gates_staffed", g["enclosure__community_id"], None, pk)
            elif _open_by_hours(g["opens_at"], g["closes_at"], timezone.localtime(e).time()):
                add("gates_unstaffed", g["enclosure__community_id"], None, pk)
    plain_reopening(window, add)
    plain_publicity(add, within, before, day)
    for t in rows(DisinfectionTask, "id", "community_id", "done_at", "overdue_at"):
        if within(t["done_at"]):
            add("disinfection_done", t["community_id"], None, t["id"])
        if within(t["overdue_at"]) and (t["done_at"] is None or t["done_at"] > t["overdue_at"]):
            add("disinfection_overdue", t["community_id"], None, t["id"])
    moves = rows(StockMove, "item_id", "quantity", "at", "kind")
    for item in rows(SupplyItem, "id", "community_id", "created_at", "low_threshold"):
        stock = sum(m["quantity"] for m in moves if m["item_id"] == item["id"] and before(m["at"]))
        if before(item["created_at"]) and stock <= item["low_threshold"]:
            add("supplies_low", item["community_id"], None, item["id"])
        week = [m for m in moves if m["item_id"] == item["id"] and m["kind"] in OUT_KINDS and before(m["at"])]
        used = -sum(m["quantity"] for m in week if m["at"] >= e - timedelta(days=7))
        if before(item["created_at"]) and used > 0 and stock < used:  # days left = stock × 7 ÷ used < 7
            add("supplies_short", item["community_id"], None, item["id"])
    return {place: len(records) for place, records in counts.items()}


@pytest.mark.parametrize("seed", [2020])
def test_every_figure_recomputed_from_raw_rows_at_the_cutoffs_edges(world, seed):
    _build(world, random.Random(seed))
    communities = [world.community.pk, world.other_community.pk]
    area = Area.of_communities(communities)
    grids = list(Grid.objects.values_list("pk", "community_id"))
    checked = set()
    for day in DAYS:
        window = Window.report_day(day)
        plain = _plain(window)
        by_community = compute(area, window, by="community")
        by_grid = compute(area, window, by="grid")
        for key, figure in FIGURES.items():
            for community in communities:
                expected = plain.get((key, community, None), 0)
                assert by_community[community][key] == expected, (day, key, community)
                checked.add(key)
            if figure.per_grid:
                for grid, community in grids:
                    assert by_grid[grid][key] == plain.get((key, community, grid), 0), (day, key, grid)
        assert compute(area, window) == {k: sum(v[k] for v in by_community.values()) for k in FIGURES}
    assert checked == set(FIGURES)
    # The world is not empty where it matters: the edges put records in every flow figure on some day.
    totals = {
        key: sum(_plain(Window.report_day(d)).get((key, world.community.pk, None), 0) for d in DAYS) for key in FIGURES
    }
    assert all(totals[key] for key in ("households_screened", "key_persons_new", "fevers_found", "gate_entries"))
    reopening = ("reopening_openings_today", "reopening_openings_week", "reopening_reports_missing")
    assert all(totals[key] for key in (*reopening, "reopening_applications_waiting", "reopening_staff_blocking"))
    # The trends' series (one query for all the days) agree with compute day by day, on SQLite and PostgreSQL.
    for key in (*reopening, "enterprises_open"):
        assert series(key, area, DAYS) == [compute(area, Window.report_day(d), [key])[key] for d in DAYS], key
    assert all(totals[key] for key in ("publicity_distributions", "publicity_buildings_reached"))
    assert all(totals[key] for key in ("disinfection_done", "disinfection_overdue", "supplies_low")), {
        k: totals[k] for k in ("disinfection_done", "disinfection_overdue", "supplies_low")
    }


def test_the_dashboards_snapshot_holds_the_raw_figures_of_today(world, settings):
    """What refresh_figures keeps for the dashboard (today since midnight, counted ahead) is the raw recompute's
    count of every figure, by community and by grid, at moments on the cutoffs' edges."""
    settings.FIGURES_SNAPSHOT_MAX_AGE_MINUTES = 10
    _build(world, random.Random(2020))
    communities = [world.community.pk, world.other_community.pk]
    grids = list(Grid.objects.values_list("pk", "community_id"))
    days = {d: _plain(Window.report_day(d)) for d in DAYS[:2]}
    trended = [*[key for key, figure in FIGURES.items() if figure.kind == "flow"][:6], "observation_current"]
    for day in DAYS[2:4]:
        cutoff = Window.report_day(day).end
        for moment in (cutoff - timedelta(seconds=1), cutoff + timedelta(seconds=1)):
            refresh_snapshots(moment, trend_keys=trended, days=list(days))
            snapshot = snapshot_of(Area.of_communities(communities), moment, list(FIGURES))
            for community in communities:  # the trends kept: each day's raw count at its cutoff
                lines = snapshot.trend_of(community, trended, list(days))
                assert lines == {k: [days[d].get((k, community, None), 0) for d in days] for k in trended}
            assert snapshot is not None and snapshot.window == Window.since_midnight(moment)
            plain = _plain(snapshot.window)
            for key, figure in FIGURES.items():
                for community in communities:
                    assert snapshot.communities[community][key] == plain.get((key, community, None), 0), (moment, key)
                for grid, community in grids if figure.per_grid else ():
                    assert snapshot.grids[grid][key] == plain.get((key, community, grid), 0), (moment, key, grid)
