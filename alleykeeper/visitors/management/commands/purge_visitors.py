"""`manage.py purge_visitors`: run by a timer (e.g. daily), deletes visitor data past its retention."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from alleykeeper.visitors.actions import purge_visitor_data


class Command(BaseCommand):
    help = "删除超过保存期限（VISITOR_RETENTION_DAYS）的来访登记和出入记录，分批执行，审计日志只记数量。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="每批删除的行数（每批一个短事务）")

    def handle(self, *args, batch_size: int, **options) -> None:
        purged = purge_visitor_data(batch_size=max(1, batch_size))
        self.stdout.write(
            f"purged registrations={purged.registrations} gate_log_entries={purged.gate_log_entries} "
            f"batches={purged.batches} retention_days={settings.VISITOR_RETENTION_DAYS}"
        )
