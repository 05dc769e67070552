"""manage.py purge_imports: delete uploaded register files kept longer than a day (daily timer)."""

from django.core.management.base import BaseCommand

from alleykeeper.registry import import_jobs


class Command(BaseCommand):
    help = "删除超过 24 小时的导入上传文件（等待确认列对应或等待下载错误报告的）。"

    def handle(self, *args, **options) -> None:
        count = import_jobs.purge_stale()
        self.stdout.write(f"已删除 {count} 个过期的上传文件。")
