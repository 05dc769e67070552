"""Run by a timer (every few minutes): store overdue and missed follow-up states. Safe to run twice."""

from django.core.management.base import BaseCommand

from alleykeeper.observation.followups import tick


class Command(BaseCommand):
    help = "居家观察：计算逾期和未完成的随访，为超期未解除的观察补充随访时段（可重复运行）。"

    def handle(self, *args, **options) -> None:
        result = tick()
        self.stdout.write(f"observation_tick: created={result.created} overdue={result.overdue} missed={result.missed}")
