"""How tasks are shown (rows with their state) and the done form made ready for a task."""

from datetime import datetime

from django.db.models import Q

from alleykeeper.sanitation.forms import DoneForm
from alleykeeper.sanitation.models import DisinfectionTask
from alleykeeper.supplies.models import ItemKind, SupplyItem, amount_text


def amount_used_text(task: DisinfectionTask) -> str:
    """ "0.2 瓶": the amount used with the unit of the item it was drawn from ("" when none was recorded)."""
    if task.amount_used is None:
        return ""
    unit = task.stock_move.item.unit if task.stock_move_id else ""
    return f"{amount_text(task.amount_used)} {unit}".strip()


def task_rows(tasks: list[DisinfectionTask], now: datetime) -> list[dict]:
    return [
        {
            "task": task,
            "state": "done" if task.done_at else task.state_at(now),
            "label": task.state_label(now),
            "amount": amount_used_text(task),
        }
        for task in tasks
    ]


def default_item(task: DisinfectionTask) -> SupplyItem | None:
    """The item a task's amount is drawn from unless the cleaner chooses another: its plan's, else the
    community's disinfectant named like the task's agent, else its first disinfectant."""
    if task.plan_id and task.plan.supply_item_id:
        return task.plan.supply_item
    items = SupplyItem.objects.filter(community_id=task.community_id)
    return (
        items.filter(name__icontains=task.agent[:10]).order_by("pk").first()
        or items.filter(Q(kind=ItemKind.DISINFECTANT) | Q(kind=ItemKind.ALCOHOL)).order_by("kind", "pk").first()
    )


def done_form_for(task: DisinfectionTask, now: datetime, data=None, files=None) -> DoneForm:
    item = default_item(task)
    initial = {
        "agent_used": f"{task.agent} {task.dilution}".strip(),
        "item": item.pk if item else None,
        "amount": task.plan.amount if task.plan_id and task.plan.amount else None,
    }
    return DoneForm(data, files, task=task, now=now, initial=initial)
