"""The raw definitions of the later apps' figures (reopening, publicity, disinfection and supplies) for the
recompute test (test_recompute.py): their worlds built on the cutoffs' edges, and each figure counted from
plain rows in Python, independently of reports.figures."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from alleykeeper.publicity.models import Channel, Distribution, FloorPosting, Material, PostingSheet
from alleykeeper.registry.models import Building, Grid
from alleykeeper.reopening.models import Application, DailyReport, Enterprise, ReopeningSlot, ReturningStaff
from alleykeeper.reports.figures import Window
from alleykeeper.reports.tests.scenario import wuhan
from alleykeeper.sanitation.models import DisinfectionTask, Place
from alleykeeper.supplies.models import StockMove, SupplyItem

DAYS = [date(2020, 2, d) for d in (8, 9, 10, 11)]
DAYS_ZONE = ZoneInfo("Asia/Shanghai")


def rows(model, *fields: str) -> list[dict]:
    return list(model.objects.values(*fields))


def build_reopening(grids: list[Grid], rng: random.Random, pick) -> None:
    """Enterprises in every state, applications, slots around the report days, returning staff and daily health
    reports, their times on the cutoffs' edges."""
    states = ["closed", "applying", "approved", "open", "suspended"]
    slot_days = [DAYS[0] + timedelta(days=n) for n in range(-2, 10)]
    for grid in grids:
        for day in slot_days:
            ReopeningSlot.objects.create(community_id=grid.community_id, day=day, mall=f"M{grid.pk}", capacity=99)
    for n in range(30):
        grid = grids[n % 3]
        state = rng.choice(states)
        enterprise = Enterprise.objects.create(
            community_id=grid.community_id,
            grid=grid,
            name=f"企业{n}",
            mall=f"M{grid.pk}",
            contact_name="某",
            state=state,
            opened_on=rng.choice(DAYS) if state == "open" else None,
        )
        Enterprise.objects.filter(pk=enterprise.pk).update(created_at=pick())
        for number, status in enumerate(
            (rng.choice(["approved", "rejected"]), rng.choice(["submitted", "inspected", "approved"]))
        ):
            slot = ReopeningSlot.objects.filter(community_id=grid.community_id, day=rng.choice(slot_days)).first()
            Application.objects.create(
                enterprise=enterprise,
                status=status,
                planned_date=DAYS[0],
                contact_name="某",
                submitted_at=pick(),
                slot=slot if status == "approved" or number else None,
            )
        for m in range(rng.randint(0, 2)):
            ReturningStaff.objects.create(
                enterprise=enterprise,
                name=f"员工{m}",
                doc_number_index=f"{n}-{m}",
                origin=wuhan(),
                returned_on=DAYS[0],
                created_at=pick(),
                blocking=rng.random() < 0.5,
            )
        for day in DAYS:
            if rng.random() < 0.5:
                DailyReport.objects.create(enterprise=enterprise, day=day, staff_present=3, submitted_at=pick())


def build_publicity(world, rng: random.Random, pick) -> None:
    """Materials current, ended, starting mid-way and of the other community; floors posted, group sendings
    and postings at buildings at the cutoffs' edges."""
    materials = [
        Material.objects.create(
            community=world.community, kind="poster", title="在用", start_date=date(2020, 2, 1), created_at=pick()
        ),
        Material.objects.create(
            community=world.community,
            kind="banner",
            title="已停用",
            start_date=date(2020, 1, 1),
            end_date=date(2020, 2, 9),
            created_at=pick(),
        ),
        Material.objects.create(
            community=world.community, kind="video", title="10日起", start_date=date(2020, 2, 10), created_at=pick()
        ),
        Material.objects.create(
            community=world.other_community, kind="poster", title="新华", start_date=date(2020, 2, 1), created_at=pick()
        ),
    ]
    buildings = list(Building.objects.select_related("alley__grid"))
    channels = {
        world.community.pk: [Channel.objects.create(community=world.community, kind="party_group", name="党员群")],
        world.other_community.pk: [
            Channel.objects.create(community=world.other_community, kind="party_group", name="新华党员群")
        ],
    }
    for building in rng.sample(buildings, len(buildings) // 2):
        community = building.alley.grid.community_id
        channels[community].append(
            Channel.objects.create(
                community_id=community, kind="building_group", name=f"{building.pk}号楼群", building=building
            )
        )
    for material in materials:
        mine = [b for b in buildings if b.alley.grid.community_id == material.community_id]
        for building in rng.sample(mine, len(mine) // 3):
            sheet = PostingSheet.objects.create(material=material, building=building, floors=6, created_at=pick())
            for floor in rng.sample(range(1, 7), rng.randint(0, 2)):
                FloorPosting.objects.create(sheet=sheet, floor=floor, posted_at=pick())
        for _ in range(rng.randint(2, 5)):
            at_building = rng.random() < 0.3
            Distribution.objects.create(
                community_id=material.community_id,
                material=material,
                channel=None if at_building else rng.choice(channels[material.community_id]),
                building=rng.choice(mine) if at_building else None,
                at=pick(),
                recorded_at=pick(),
            )


def build_sanitation(world, rng: random.Random, pick) -> None:
    """Disinfection tasks done on time, late, never, on the edges; supplies whose moves cross their thresholds."""
    for community in (world.community, world.other_community):
        place = Place.objects.create(community=community, kind="drain", description="下水道")
        for n in range(10):
            due = pick()
            overdue = due + timedelta(hours=2)
            late = [None, overdue + timedelta(seconds=1)]  # the first two are overdue for sure
            done = late[n] if n < 2 else rng.choice([None, due + timedelta(minutes=30), overdue, *late, pick()])
            DisinfectionTask.objects.create(
                community=community,
                place=place,
                source="observation",
                day=date(2020, 2, 1) + timedelta(days=n),
                due_at=due,
                overdue_at=overdue,
                agent="84消毒液",
                dilution="1:100",
                done_at=done,
                done_by=world.admin if done else None,
            )
        for n in range(3):
            item = SupplyItem.objects.create(
                community=community,
                name=f"物资{n}",
                kind="disinfectant",
                unit="瓶",
                low_threshold=Decimal(rng.choice([2, 5, 8])),
                created_at=pick() if n else datetime(2020, 1, 1, tzinfo=DAYS_ZONE),
            )
            for _ in range(rng.randint(1, 5)):
                quantity = Decimal(rng.choice([3, 4, -2, -3]))
                StockMove.objects.create(
                    item=item,
                    kind="purchase" if quantity > 0 else "to_gate",
                    quantity=quantity,
                    balance=0,
                    at=pick(),
                    recorded_at=pick(),
                )


def plain_reopening(window: Window, add) -> None:
    e, day = window.end, window.last_day
    firms = {f["id"]: f for f in rows(Enterprise, "id", "community_id", "grid_id", "state", "created_at", "opened_on")}
    place = lambda firm_id: (firms[firm_id]["community_id"], firms[firm_id]["grid_id"])  # noqa: E731
    for f in firms.values():
        if f["created_at"] < e:
            add(f"enterprises_{f['state']}", f["community_id"], f["grid_id"], f["id"])
    for a in rows(Application, "id", "enterprise_id", "status", "submitted_at", "slot__day"):
        if a["status"] in ("submitted", "under_review", "inspected") and a["submitted_at"] < e:
            add("reopening_applications_waiting", *place(a["enterprise_id"]), a["id"])
        if a["status"] == "approved" and a["slot__day"] is not None:
            if a["slot__day"] == day:
                add("reopening_openings_today", *place(a["enterprise_id"]), a["id"])
            if day <= a["slot__day"] <= day + timedelta(days=6):
                add("reopening_openings_week", *place(a["enterprise_id"]), a["id"])
    for p in rows(ReturningStaff, "id", "enterprise_id", "blocking", "created_at"):
        if p["blocking"] and p["created_at"] < e:
            add("reopening_staff_blocking", *place(p["enterprise_id"]), p["id"])
    sent = {
        r["enterprise_id"]
        for r in rows(DailyReport, "enterprise_id", "day", "submitted_at")
        if r["day"] == day and r["submitted_at"] < e
    }
    for f in firms.values():
        if f["state"] == "open" and f["opened_on"] <= day and f["id"] not in sent:
            add("reopening_reports_missing", f["community_id"], f["grid_id"], f["id"])


def plain_publicity(add, within, before, day: date) -> None:
    materials = rows(Material, "id", "community_id", "start_date", "end_date")
    in_use = [m for m in materials if m["start_date"] <= day and (m["end_date"] is None or m["end_date"] >= day)]
    current, communities_in_use = {m["id"] for m in in_use}, {m["community_id"] for m in in_use}
    sheets = {s["id"]: s for s in rows(PostingSheet, "id", "material_id", "building_id")}
    reached = set()
    for posting in rows(FloorPosting, "sheet_id", "posted_at"):
        sheet = sheets[posting["sheet_id"]]
        if sheet["material_id"] in current and before(posting["posted_at"]):
            reached.add(sheet["building_id"])
    group_building = {c["id"]: c["building_id"] for c in rows(Channel, "id", "building_id")}
    for d in rows(Distribution, "id", "community_id", "material_id", "channel_id", "building_id", "at"):
        if within(d["at"]):
            add("publicity_distributions", d["community_id"], None, d["id"])
        if d["material_id"] in current and before(d["at"]):
            reached.update(b for b in (d["building_id"], group_building.get(d["channel_id"])) if b)
    for b in rows(Building, "id", "alley__grid_id", "alley__grid__community_id"):
        if b["id"] in reached:
            add("publicity_buildings_reached", b["alley__grid__community_id"], b["alley__grid_id"], b["id"])
        elif b["alley__grid__community_id"] in communities_in_use:
            add("publicity_buildings_not_reached", b["alley__grid__community_id"], b["alley__grid_id"], b["id"])
