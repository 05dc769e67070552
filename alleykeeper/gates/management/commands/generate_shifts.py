"""`manage.py generate_shifts [--days 14]`: run by a daily timer (and by `make run`), makes the coming shifts
of every gate's weekly roster. Safe to run twice; after a missed day it fills the gap from now on."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alleykeeper.gates.roster import GENERATE_DAYS, generate_shifts


class Command(BaseCommand):
    help = "按每个卡口的每周排班，生成今天起若干天的班次和人员（已有的不重复生成，可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=GENERATE_DAYS, help=f"生成多少天（默认 {GENERATE_DAYS}）")

    def handle(self, *args, days: int, **options) -> None:
        if not 1 <= days <= 366:
            raise CommandError("--days 应在 1 到 366 之间。")
        done = generate_shifts(None, days=days)
        for note in done.notes:
            self.stdout.write(f"note: {note}")
        self.stdout.write(
            f"generated gates={done.gates} shifts={done.shifts} members={done.members} notes={len(done.notes)}"
        )
