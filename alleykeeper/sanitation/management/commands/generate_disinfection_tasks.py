"""`manage.py generate_disinfection_tasks [--catch-up 3]`: run by a timer every hour (and by `make run`), makes
today's disinfection tasks from the plans and the stairwell tasks of buildings under home observation, and
those of missed days. Safe to run twice."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alleykeeper.sanitation.generation import generate_tasks


class Command(BaseCommand):
    help = "按消杀计划和居家观察户所在楼栋，生成今天（及错过的前几天）的消杀任务（已有的不重复生成，可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--catch-up", type=int, default=None, help="补生成今天之前的几天（默认见设置）")

    def handle(self, *args, catch_up: int | None, **options) -> None:
        if catch_up is not None and not 0 <= catch_up <= 31:
            raise CommandError("--catch-up 应在 0 到 31 之间。")
        done = generate_tasks(None, catch_up=catch_up)
        self.stdout.write(
            f"generated plan_tasks={done.plan_tasks} observation_tasks={done.observation_tasks} "
            f"withdrawn={done.withdrawn} days={done.days}"
        )
