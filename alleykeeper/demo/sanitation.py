"""The demo's disinfection and supplies (issue 14 item 6): the report's old estates and lanes disinfected at
fixed times by 苏阿英 (the demo cleaner), the stairwells of its two observed families' buildings, a month of
tasks done (a few late, a few never), and the stock bought in a hurry and used since.

Cheap on purpose (the site-wide tests load the demo many times): plans through sanitation's own action, then
the month's tasks and stock moves written with bulk_create from the same builders the command uses
(sanitation.generation), the stock kept equal to the moves; today's tasks by the command's own function."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from alleykeeper.gates.models import Gate
from alleykeeper.registry.models import Alley, Building
from alleykeeper.sanitation.actions import Done, SupplyError, complete_task, save_plan
from alleykeeper.sanitation.generation import generate_tasks, observation_tasks_for, plan_tasks_for
from alleykeeper.sanitation.models import DisinfectionTask, Frequency, PlaceKind, Plan, Surface
from alleykeeper.supplies.models import ItemKind, MoveKind, StockMove, SupplyItem

MONTH = 30
ESTATES = ("城西环路南五区", "城西环路南六区")
LANES = ("孝感巷", "井亭巷", "县后街", "甲第巷")
# (name, kind, unit, low threshold, bought a month ago, donated two weeks ago, from the street 5 days ago)
ITEMS = (
    ("84消毒液", ItemKind.DISINFECTANT, "瓶", 10, 60, 40, 24),
    ("75%酒精", ItemKind.ALCOHOL, "瓶", 10, 48, 24, 0),
    ("一次性医用口罩", ItemKind.MASK, "个", 500, 2000, 1000, 500),
    ("一次性手套", ItemKind.GLOVES, "副", 100, 400, 0, 100),
    ("额温枪", ItemKind.THERMOMETER, "支", 3, 6, 2, 0),
    ("防护服", ItemKind.PROTECTIVE_SUIT, "套", 5, 10, 0, 0),
)
# What goes out every few days, beside disinfection: (item, kind, quantity, every n days).
HAND_OUTS = (
    ("一次性医用口罩", MoveKind.TO_GATE, 60, 1),
    ("一次性手套", MoveKind.TO_CLEANER, 10, 1),
    ("75%酒精", MoveKind.TO_GATE, 2, 3),
    ("额温枪", MoveKind.TO_GATE, 1, 10),
    ("防护服", MoveKind.TO_CLEANER, 1, 4),
)
LATE_EVERY, MISSED_EVERY = 11, 17  # of the month's tasks: one in 11 done late, one in 17 never done


def _plans(demo, cleaner, items: dict[str, SupplyItem], start: date) -> list[Plan]:
    community = demo.community
    alleys = {a.name: a for a in Alley.objects.filter(grid__community=community, name__in=[*ESTATES, *LANES])}
    buildings = Building.objects.filter(alley__name__in=ESTATES, alley__grid__community=community).order_by("pk")
    made_at = demo.at(start, 6)
    bleach, alcohol = items["84消毒液"], items["75%酒精"]
    specs = []
    for n, building in enumerate(buildings[:8]):  # the estates' blocks: stairwells and lifts, no property company
        kind = PlaceKind.STAIRWELL if n % 2 == 0 else PlaceKind.LIFT
        surfaces = [Surface.HANDLES, Surface.SWITCHES, Surface.HANDRAILS] + ([Surface.BUTTONS] if n % 2 else [])
        specs.append({"place_kind": kind, "building": building, "sequence": 10 + n, "surfaces": surfaces})
    for n, name in enumerate(LANES):
        specs.append(
            {
                "place_kind": PlaceKind.PASSAGE,
                "alley": alleys[name],
                "description": "巷道",
                "sequence": 30 + n,
                "surfaces": [Surface.FLOORS, Surface.WALLS, Surface.HANDLES],
                "frequency": Frequency.TIMES,
                "times": ["09:00", "15:00"],
            }
        )
        specs.append(
            {
                "place_kind": PlaceKind.DRAIN,
                "alley": alleys[name],
                "description": "下水道口",
                "sequence": 40 + n,
                "surfaces": [Surface.FLOORS],
                "frequency": Frequency.EVERY_N_DAYS,
                "every_n_days": 3,
            }
        )
    specs.append(
        {
            "place_kind": PlaceKind.TRANSFER_STATION,
            "alley": alleys["县后街"],
            "description": "垃圾中转站",
            "sequence": 50,
            "surfaces": [Surface.FLOORS, Surface.WALLS],
            "frequency": Frequency.TIMES,
            "times": ["07:30", "12:00", "18:00"],
        }
    )
    specs.append(
        {
            "place_kind": PlaceKind.TOILET,
            "alley": alleys["甲第巷"],
            "description": "公共厕所",
            "sequence": 51,
            "surfaces": [Surface.HANDLES, Surface.FLOORS],
            "frequency": Frequency.WEEKDAYS,
            "weekdays": [0, 2, 4],
        }
    )
    for n, gate in enumerate(Gate.objects.filter(enclosure__community=community).order_by("pk")[:3]):
        specs.append(
            {
                "place_kind": PlaceKind.GATE,
                "gate": gate,
                "sequence": 60 + n,
                "surfaces": [Surface.HANDLES, Surface.HANDRAILS],
                "agent": "75%酒精",
                "dilution": "原液",
                "supply_item": alcohol,
                "amount": Decimal("0.1"),
            }
        )
    base = {
        "building": None,
        "gate": None,
        "alley": None,
        "description": "",
        "agent": "84消毒液",
        "dilution": "1:100",
        "supply_item": bleach,
        "amount": Decimal("0.1"),
        "frequency": Frequency.DAILY,
        "times": ["08:00"],
        "every_n_days": None,
        "weekdays": [],
        "starts_on": start,
        "cleaner": cleaner,
        "active": True,
    }
    return [save_plan(demo.users["chenyl"], community, None, base | spec, now=made_at) for spec in specs]


def _done_month(demo, cleaner, plans: list[Plan], start: date, bleach: SupplyItem) -> list[DisinfectionTask]:
    """The month's tasks before today: most done within the hour, some late, a few never."""
    tasks: list[DisinfectionTask] = []
    for offset in range(MONTH, 0, -1):
        day = demo.today - timedelta(days=offset)
        tasks += [t for plan in plans for t in plan_tasks_for(plan, day)]
        tasks += observation_tasks_for(day)
    by_plan = {plan.pk: plan for plan in plans}
    for n, task in enumerate(tasks):
        if n % MISSED_EVERY == 5:
            continue
        late = n % LATE_EVERY == 3
        task.done_at = task.overdue_at + timedelta(minutes=40) if late else task.due_at + timedelta(minutes=n % 50)
        task.done_by = cleaner
        task.agent_used = f"{task.agent} {task.dilution}"
        plan = by_plan.get(task.plan_id)
        task.amount_used = plan.amount if plan else Decimal("0.2")
        task._item = plan.supply_item if plan else bleach  # drawn from, below
    DisinfectionTask.objects.filter(day__lt=demo.today, community=demo.community, done_at__isnull=True).delete()
    return tasks


def _stock(demo, items: dict[str, SupplyItem], tasks: list[DisinfectionTask], cleaner) -> int:
    """The moves of the month in time order, balances carried: purchases, donations, the street's
    allocation, hand-outs and each done task's amount (a draw that would go below zero is left out)."""
    start = demo.today - timedelta(days=MONTH)
    rows: list[tuple[datetime, SupplyItem, str, Decimal, dict]] = []
    for name, _, _, _, bought, donated, allocated in ITEMS:
        item = items[name]
        rows.append(
            (demo.at(start, 7), item, MoveKind.PURCHASE, Decimal(bought), {"source": "泉州医药公司（紧急采购）"})
        )
        if donated:
            rows.append(
                (
                    demo.at(start + timedelta(days=16), 10),
                    item,
                    MoveKind.DONATION,
                    Decimal(donated),
                    {"source": "爱心企业捐赠"},
                )
            )
        if allocated:
            rows.append(
                (
                    demo.at(demo.today - timedelta(days=5), 14),
                    item,
                    MoveKind.ALLOCATION,
                    Decimal(allocated),
                    {"source": "开元街道调拨"},
                )
            )
    gate = Gate.objects.filter(enclosure__community=demo.community).order_by("pk").first()
    for name, kind, quantity, every in HAND_OUTS:
        for offset in range(MONTH - 1, 0, -every):
            extra = {"gate": gate} if kind == MoveKind.TO_GATE else {"recipient": cleaner}
            rows.append(
                (demo.at(demo.today - timedelta(days=offset), 7, 30), items[name], kind, Decimal(quantity), extra)
            )
    for task in tasks:
        if task.done_at is not None and task.amount_used:
            rows.append(
                (
                    task.done_at,
                    task._item,
                    MoveKind.DISINFECTION,
                    task.amount_used,
                    {"note": f"消杀：{task.place_id}", "task": task},
                )
            )
    rows.sort(key=lambda row: (row[0], row[2] not in (MoveKind.PURCHASE, MoveKind.DONATION, MoveKind.ALLOCATION)))
    balance = {item.pk: Decimal("0") for item in items.values()}
    moves, linked = [], []
    admin = demo.users["chenyl"]
    for at, item, kind, quantity, extra in rows:
        signed = quantity if kind in (MoveKind.PURCHASE, MoveKind.DONATION, MoveKind.ALLOCATION) else -quantity
        if balance[item.pk] + signed < 0:
            continue
        balance[item.pk] += signed
        task = extra.pop("task", None)
        move = StockMove(
            item=item,
            kind=kind,
            quantity=signed,
            balance=balance[item.pk],
            at=at,
            recorded_by=admin,
            recorded_at=at,
            **extra,
        )
        moves.append(move)
        if task is not None:
            linked.append((task, move))
    StockMove.objects.bulk_create(moves)
    for item in items.values():
        item.on_hand = balance[item.pk]
    SupplyItem.objects.bulk_update(list(items.values()), ["on_hand", "updated_at"])
    for task, move in linked:
        task.stock_move = move
    return len(moves)


# Of today's tasks already past their grace when the demo is loaded, this many are left undone (overdue, as on
# the admin's home); the others were done on time, as a cleaner's morning goes.
LEFT_OVERDUE = 2


def _done_this_morning(demo, cleaner) -> None:
    """Today's tasks already due: done through the cleaner's own action (stock drawn), each within half an
    hour of its time (a task due in the last twenty minutes: now), except the last LEFT_OVERDUE of those past
    their grace."""
    due = list(
        DisinfectionTask.objects.filter(community=demo.community, day=demo.today, due_at__lte=demo.now)
        .select_related("plan__supply_item", "place")
        .order_by("due_at", "pk")
    )
    late = [task for task in due if task.overdue_at <= demo.now]
    skipped = {task.pk for task in late[-LEFT_OVERDUE:]}
    for task in due:
        if task.pk in skipped:
            continue
        item = task.plan.supply_item if task.plan_id else None
        amount = task.plan.amount if task.plan_id else None
        when = min(task.due_at + timedelta(minutes=20), demo.now)
        done = Done(agent_used=f"{task.agent} {task.dilution}", amount=amount, item=item, done_at=when)
        try:
            complete_task(cleaner, task, done)
        except SupplyError:  # the demo's stock ran short: recorded without the amount
            complete_task(cleaner, task, Done(agent_used=done.agent_used, amount=None, item=None, done_at=when))


def sanitation(demo) -> str:
    cleaner = demo.users["suay"]
    start = demo.today - timedelta(days=MONTH)
    created = demo.at(start, 6)
    items = {
        name: SupplyItem(
            community=demo.community, name=name, kind=kind, unit=unit, low_threshold=Decimal(low), created_at=created
        )
        for name, kind, unit, low, *_ in ITEMS
    }
    SupplyItem.objects.bulk_create(list(items.values()))
    plans = _plans(demo, cleaner, items, start)
    tasks = _done_month(demo, cleaner, plans, start, items["84消毒液"])
    moves = _stock(demo, items, tasks, cleaner)
    for task in tasks:
        if hasattr(task, "_item"):
            del task._item
    DisinfectionTask.objects.bulk_create(tasks, ignore_conflicts=True)
    today = generate_tasks(None, now=demo.now, catch_up=0)
    _done_this_morning(demo, cleaner)
    done = sum(1 for t in tasks if t.done_at)
    return (
        f"消杀：{len(plans)} 个计划，近 {MONTH} 天 {len(tasks)} 项任务（完成 {done} 项），"
        f"今天 {today.plan_tasks + today.observation_tasks} 项；物资 {len(items)} 种，出入库 {moves} 笔"
    )
