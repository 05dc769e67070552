"""Load the demo community (开元社区) and print its logins. Development only; safe to run again."""

import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from alleykeeper.demo.activity import load_demo_activity
from alleykeeper.demo.community import DemoResult, load_demo_community


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table(result: DemoResult) -> list[str]:
    header = ("用户名", "姓名", "角色", "范围")
    rows = [header, *((u.username, u.name, u.role, u.scope) for u in result.logins)]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    help = "Load the demo community 开元社区 (922 households, ~2,500 synthetic residents, 15 staff accounts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="load even when DEBUG is off (never in production)")
        parser.add_argument(
            "--reset-passwords", action="store_true", help="set existing demo accounts to DEMO_PASSWORD again"
        )

    def handle(self, *args, force: bool, reset_passwords: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG 未开启：演示数据只用于开发环境，不要载入生产数据库。确需载入（如演示服务器），请加 --force。"
            )
        password = settings.DEMO_PASSWORD
        if not password:
            raise CommandError(
                "没有设置 DEMO_PASSWORD：在 .env 中加一行 DEMO_PASSWORD=演示密码（新机器上 `make env` 会自动写入），"
                "或设置同名环境变量。"
            )
        started = time.monotonic()
        result = load_demo_community(password, reset_passwords=reset_passwords)
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已载入演示社区：{result.households} 户（出租 {result.rentals} 户），{result.residents} 名居民，"
                    f"用时 {time.monotonic() - started:.1f} 秒。"
                )
            )
        else:
            self.stdout.write(f"演示社区已存在（{result.households} 户，{result.residents} 名居民），未做改动。")
        activity = load_demo_activity()
        if activity.created:
            self.stdout.write(self.style.SUCCESS("已生成演示业务数据（日期按今天计算）："))
        for line in activity.summary:
            self.stdout.write("  " + line)
        self.stdout.write("")
        self.stdout.write("演示账号（所有账号的密码相同）：")
        for line in login_table(result):
            self.stdout.write("  " + line)
        self.stdout.write("")
        self.stdout.write(f"密码：{password}（.env 中的 DEMO_PASSWORD）")
        if not result.created and not reset_passwords:
            self.stdout.write("如果改过 DEMO_PASSWORD，请加 --reset-passwords 让已有账号使用新密码。")
        self.stdout.write(f"登录地址：{settings.SITE_URL}{reverse('accounts:login')}")
