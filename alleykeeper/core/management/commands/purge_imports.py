"""manage.py purge_imports: delete uploaded spreadsheets kept longer than a day (daily timer): register and
enterprise lists waiting for their columns or their error report, push lists never confirmed or whose import
failed, and files a crash left behind. Each app that keeps uploads registers its purge (core.stale_uploads)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from alleykeeper.core.stale_uploads import purge_stale_uploads


class Command(BaseCommand):
    help = "删除超过 24 小时的导入上传文件（台账、企业名单、推送名单：等待确认列对应、等待下载错误报告或导入失败的）。"

    def handle(self, *args, **options) -> None:
        count = purge_stale_uploads(timezone.now())
        self.stdout.write(f"已删除 {count} 个过期的上传文件。")
