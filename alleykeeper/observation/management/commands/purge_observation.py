"""Run daily: delete closed observation cases older than OBSERVATION_RETENTION_DAYS (counts only in audit)."""

from django.core.management.base import BaseCommand

from alleykeeper.observation.retention import purge_closed_cases


class Command(BaseCommand):
    help = "居家观察：删除超过保存期限（OBSERVATION_RETENTION_DAYS）的已结束观察记录。"

    def handle(self, *args, **options) -> None:
        purged = purge_closed_cases()
        self.stdout.write(
            f"purge_observation: cases={purged.cases} followups={purged.followups} requests={purged.requests}"
        )
