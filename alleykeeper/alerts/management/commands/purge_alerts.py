"""Run daily by a timer: delete message records older than ALERTS_RETENTION_DAYS."""

from django.core.management.base import BaseCommand

from alleykeeper.alerts.actions import purge_messages


class Command(BaseCommand):
    help = "通知与提醒：删除超过保存期限（ALERTS_RETENTION_DAYS）的消息记录。"

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"purge_alerts: deleted={purge_messages()}")
