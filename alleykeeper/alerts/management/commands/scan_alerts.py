"""Run by a timer every minute: find new events, make their messages, and queue the sending job. Safe to run
twice (one message per event per recipient and channel). `--loop N` repeats every N seconds (the demo)."""

import time

from django.core.management.base import BaseCommand

from alleykeeper.alerts.scan import scan


class Command(BaseCommand):
    help = "通知与提醒：扫描新的发热、逾期、来访等事件，生成消息并排队发送（可重复运行）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", type=int, default=0, help="每隔多少秒重复一次（演示用；0 表示只运行一次）")

    def handle(self, *args, **options) -> None:
        while True:
            result = scan()
            self.stdout.write(f"scan_alerts: events={result.events} created={result.created} send={result.enqueued}")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
