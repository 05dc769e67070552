"""The figures of disinfection and supplies (issue 14 item 7), added to reports.figures' catalogue with one
line. Read from history like every figure: a task done in the window (its done time), a task that became
overdue in the window (its due time plus the grace passed before it was done), an item low at the window's
end (its stock summed from the moves before then), an item with fewer than seven days left at the window's end
(that stock against the week's use before it). Tasks and supplies belong to a community, not a grid."""

from django.db.models import QuerySet

from alleykeeper.accounts.roles import Capability
from alleykeeper.reports.measures import FLOW, STOCK, Area, Figure, Window
from alleykeeper.sanitation.models import DisinfectionTask
from alleykeeper.supplies.models import SupplyItem

TASK = ("community_id", None)
SUPPLY_ITEM = ("community_id", None)
SEE_SANITATION = (Capability.VIEW_REPORTS, Capability.MANAGE_SANITATION)
SEE_SUPPLIES = (Capability.VIEW_REPORTS, Capability.MANAGE_SUPPLIES)


def _done(area: Area, w: Window) -> QuerySet:
    return DisinfectionTask.objects.done_between(w.start, w.end)


def _overdue(area: Area, w: Window) -> QuerySet:
    return DisinfectionTask.objects.overdue_between(w.start, w.end)


def _low(area: Area, w: Window) -> QuerySet:
    return SupplyItem.objects.low_at(w.end)


def _short(area: Area, w: Window) -> QuerySet:
    return SupplyItem.objects.short_at(w.end)


SANITATION_FIGURES = [
    Figure(
        "disinfection_done",
        "消杀任务完成",
        FLOW,
        "消杀与物资",
        "项",
        TASK,
        _done,
        capabilities=SEE_SANITATION,
        note="期间内登记完成的消杀任务（计划任务和居家观察户楼道）。",
    ),
    Figure(
        "disinfection_overdue",
        "消杀任务逾期",
        FLOW,
        "消杀与物资",
        "项",
        TASK,
        _overdue,
        capabilities=SEE_SANITATION,
        note="期间内到了应完成时间加宽限仍未完成的消杀任务（后来补做的也计入）。",
    ),
    Figure(
        "supplies_low",
        "物资库存低",
        STOCK,
        "消杀与物资",
        "种",
        SUPPLY_ITEM,
        _low,
        capabilities=SEE_SUPPLIES,
        note="截至时点库存（按出入库记录累计）不高于提醒线的物资。",
    ),
    Figure(
        "supplies_short",
        "物资可用不足7天",
        STOCK,
        "消杀与物资",
        "种",
        SUPPLY_ITEM,
        _short,
        capabilities=SEE_SUPPLIES,
        note="按截至时点前7天的平均日用量，截至时点的库存可用不足7天的物资（前7天没有用量的不计）。",
    ),
]
