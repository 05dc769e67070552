"""Screenshots of the demo community as its users see it, on a phone (390 px wide).

Run against a server that has the demo loaded (`make run`, or any runserver after `manage.py load_demo`):

    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8000 --out var/screenshots

The demo password is read from .env (DEMO_PASSWORD) unless --password is given. The grid worker and the admin
need a second factor to reveal or export: run this on the machine that serves the demo, with its .env and
database; an account without an authenticator gets one for the tour (removed afterwards, so that the demo's
accounts still sign in with the password alone) and the script types its codes. The pictures in
docs/screenshots/ are made this way, one screen each, and copied under the names the README uses (DOCS):

    .venv/bin/python scripts/screenshots.py --viewport-only --docs docs/screenshots

Drives Debian's Chromium (/usr/bin/chromium).
"""

import argparse
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import django
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alleykeeper.settings")
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the ORM between Playwright's sync calls, one thread
django.setup()

from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402 (after django.setup)

from alleykeeper.accounts.models import User  # noqa: E402
from alleykeeper.accounts.second_factor import confirmed_device, needs_second_factor  # noqa: E402
from testkit.second_factor import current_code  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARGS += ["--disable-sync", "--no-first-run"]
# The README's pictures: picture made here -> its name in docs/screenshots/.
DOCS = {
    "worker-home": "home-grid-worker",
    "worker-building": "building",
    "worker-household-reveal": "household-reveal",
    "worker-resident-form-errors": "resident-form-error",
    "admin-home": "home-admin",
    "admin-dashboard": "dashboard",
    "admin-map": "map",
    "admin-daily-report": "daily-report",
}


def demo_password(env_file: Path) -> str:
    for line in env_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("DEMO_PASSWORD="):
            return line.split("=", 1)[1].strip()
    raise SystemExit(f"DEMO_PASSWORD not found in {env_file}; pass --password")


def login(page: Page, username: str, password: str, device: TOTPDevice | None) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    if device is not None:
        page.get_by_label("验证码").fill(current_code(device))
        page.get_by_role("button", name="验证并登录").click()
    page.wait_for_selector(".topbar .who")


def borrowed_authenticator(username: str) -> tuple[TOTPDevice | None, bool]:
    """The account's authenticator, or one made for the tour when its role needs one (True: remove it after)."""
    user = User.objects.get(username=username)
    device = confirmed_device(user)
    if device is None and needs_second_factor(user):
        return TOTPDevice.objects.create(user=user, name="截图用验证器", confirmed=True), True
    return device, False


def worker_tour(page: Page, shot: Callable[[str], None]) -> None:
    """A grid worker's morning: home, the grid, a building, a household, a new person, a search."""
    shot("worker-home")
    page.goto("/register/")
    shot("worker-grids")
    page.get_by_role("link", name=re.compile("第一网格")).first.click()
    shot("worker-grid")
    page.locator("section", has_text="孝感巷").get_by_role("link", name=re.compile(r"^1号")).click()
    shot("worker-building")
    page.locator(".pick-grid a", has_text="201").click()  # the family of 小花 (化名) in the report
    shot("worker-household")
    person = page.locator(".person").filter(has=page.locator("button[value=phone]")).first
    person.locator("details.reveal summary").click()
    person.locator("details.reveal select").select_option(label="居家观察随访")
    person.get_by_role("button", name="看电话").click()
    page.wait_for_selector(".reveal-result")
    shot("worker-household-reveal")
    page.get_by_role("link", name="新增成员").click()
    page.get_by_label("姓名").fill("饶小军")
    page.get_by_label("证件号码").fill("36100220150101123X")
    page.get_by_label("电话").fill("1385990")
    page.get_by_role("button", name="保存").click()
    shot("worker-resident-form-errors")
    page.goto("/register/search/")
    page.get_by_role("searchbox").fill("rxh")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_selector("#results .card")
    shot("worker-search")
    page.goto("/register/households/?kind=rental")
    shot("worker-rentals")
    page.goto("/audit/")
    shot("worker-audit-403")


def admin_tour(page: Page, shot: Callable[[str], None]) -> None:
    """The party secretary: her alerts, the dashboard, the map, the daily report, then the register."""
    shot("admin-home")
    page.get_by_role("link", name="看板").first.click()  # one community: straight to its dashboard
    page.wait_for_selector("figure.trend svg[role=img]")
    shot("admin-dashboard")
    page.get_by_role("link", name="地图").first.click()
    page.wait_for_function("document.getElementById('map-status').textContent.includes('地图')")
    page.wait_for_timeout(500)  # markers placed after the status line is written
    shot("admin-map")
    page.get_by_role("link", name="日报").first.click()
    page.locator("a.row").filter(has=page.locator(".tag")).first.click()  # the newest report
    page.wait_for_url(re.compile(r"/reports/daily/\d+/$"))
    page.get_by_role("link", name="社区卫生服务中心").click()  # the home-observation office's format
    page.wait_for_url(re.compile(r"format=health_centre$"))
    shot("admin-daily-report")
    page.goto("/register/")
    shot("admin-grids")
    page.get_by_role("link", name=re.compile("第三网格")).first.click()
    page.locator("section", has_text="南五区").get_by_role("link").first.click()
    shot("admin-building-estate")
    page.locator(".pick-grid a.rental").first.click()
    shot("admin-household-rental")
    page.goto("/audit/")
    shot("admin-audit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("var/screenshots"))
    parser.add_argument("--password", default="")
    parser.add_argument("--width", type=int, default=390)
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio (2 for crisp README images)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--viewport-only", action="store_true", help="one screen per picture, not the whole page")
    parser.add_argument("--docs", type=Path, help="also copy the README's pictures here, under its names (DOCS)")
    options = parser.parse_args()
    password = options.password or demo_password(ROOT / ".env")
    options.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=options.chromium, headless=True, args=ARGS)
        for username, tour in (("wangcl", worker_tour), ("chenyl", admin_tour)):
            context = browser.new_context(
                base_url=options.base_url,
                viewport={"width": options.width, "height": 844},
                device_scale_factor=options.scale,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
            )
            page = context.new_page()

            def shot(name: str, page: Page = page) -> None:
                path = options.out / f"{name}.png"
                page.screenshot(path=str(path), full_page=not options.viewport_only)
                print(path)

            page.goto("/accounts/login/")
            shot("login")
            device, borrowed = borrowed_authenticator(username)
            try:
                login(page, username, password, device)
                tour(page, shot)
            finally:
                if borrowed:
                    device.delete()
            context.close()
        browser.close()
    if options.docs:
        for made, name in DOCS.items():
            shutil.copyfile(options.out / f"{made}.png", options.docs / f"{name}.png")
            print(options.docs / f"{name}.png")


if __name__ == "__main__":
    main()
