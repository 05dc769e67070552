"""Count the dashboard's figures of today for every community and grid (a timer every few minutes; the
dashboard reads them while they are at most FIGURES_SNAPSHOT_MAX_AGE_MINUTES old, reports.snapshot). Only the
figures the dashboard shows: its panels' and tables' for each community, the tables' for each grid. Safe to
run at any time."""

import time

from django.core.management.base import BaseCommand

from alleykeeper.center.dashboard import count_ahead


class Command(BaseCommand):
    help = "统计各社区、各网格今日的看板数字（定时每几分钟运行一次；看板显示数据截至时间）。"

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        count = count_ahead()
        self.stdout.write(f"已统计 {count} 个社区的看板数字，用时 {time.perf_counter() - started:.1f} 秒。")
