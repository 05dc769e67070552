"""Make each community's daily report of the last report day whose cutoff has passed (a timer runs it a
few minutes after REPORT_CUTOFF). Safe to run twice: a draft is counted afresh, a signed report left alone."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from alleykeeper.reports.actions import ReportError, generate_daily_reports
from alleykeeper.reports.figures import Window


class Command(BaseCommand):
    help = "生成各社区截至 REPORT_CUTOFF 的日报（已签发的不改动；可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="报告日期 YYYY-MM-DD（默认：最近一个已过截止时间的日期）")
        parser.add_argument("--community", type=int, action="append", help="只生成这个社区（id，可重复）")

    def handle(self, *args, day: str | None = None, community: list[int] | None = None, **options) -> None:
        try:
            the_day = date.fromisoformat(day) if day else Window.last_report_day(timezone.now())
        except ValueError as error:
            raise CommandError(f"--day：{day!r} 不是 YYYY-MM-DD 格式的日期。") from error
        try:
            result = generate_daily_reports(None, the_day, community_ids=community)
        except ReportError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{the_day:%Y-%m-%d}：生成或重新统计 {result.made} 份，已签发未改动 {result.signed} 份。")
