"""Helpers of the browser tests (fixtures are in e2e/conftest.py)."""

from typing import TYPE_CHECKING

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from testkit.second_factor import current_code

if TYPE_CHECKING:
    from django_otp.plugins.otp_totp.models import TOTPDevice

E2E_PASSWORD = "e2e-Passw0rd-long"
expect.set_options(timeout=20_000)


def do_login(page: Page, user, password: str = E2E_PASSWORD) -> None:
    """Log in through the login form, as a person would, and wait for the home page. A role that needs the
    second factor has an authenticator (enrolled here if it has none) and types its code at the second step."""
    username = user.username if hasattr(user, "username") else str(user)
    device = authenticator(username)
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    if device is not None:
        page.get_by_label("验证码").fill(current_code(device))
        page.get_by_role("button", name="验证并登录").click()
    expect(page.locator(".topbar .who")).to_be_visible()


def authenticator(username: str) -> "TOTPDevice | None":
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from alleykeeper.accounts.models import User
    from alleykeeper.accounts.second_factor import needs_second_factor

    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    # An account that has an authenticator is asked its code at login, whatever its role.
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and needs_second_factor(user):
        device = TOTPDevice.objects.create(user=user, name="测试验证器", confirmed=True)
    return device


def open_menu(page: Page, label: str) -> None:
    """Follow an entry of the main menu, looked for in the menu only: the top bar's account link names the role
    (值守人员), which matches 值守 before the stylesheet hides it on a phone. Not exact: 消息 may carry its
    count of unread messages. Waits until the page has been parsed: until then the menu may still scroll to its
    current entry (core/app.js), and a tap on another entry aimed before that landed elsewhere."""
    page.wait_for_load_state("domcontentloaded")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name=label).first.click()


# WCAG 2.0 and 2.1, levels A and AA: the rules axe-core checks for them (contrast, labels, names, structure).
_WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def accessibility_problems(page: Page) -> list[str]:
    """What axe-core (from the axe-playwright-python package) finds against WCAG 2 AA on the page as shown:
    one line per rule broken, with up to three of the elements and what is wrong with the first."""
    problems = []
    for violation in Axe().run(page, options=_WCAG_AA).response["violations"]:
        nodes = violation["nodes"]
        where = "; ".join(" ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
                          for node in nodes[:3])  # fmt: skip
        why = " ".join(nodes[0].get("failureSummary", "").split()) if nodes else ""
        problems.append(f"{violation['id']} ({len(nodes)}×: {where}): {why}")
    return problems


def no_horizontal_scroll(page: Page) -> bool:
    """True when nothing sticks out sideways: the page is usable at its width without panning. Compared with
    the viewport's own width (clientWidth): on a phone (is_mobile) Chromium widens the layout viewport to wide
    content, so window.innerWidth grows with the overflow and hid it."""
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def stylesheet_loaded(page: Page) -> bool:
    """Our stylesheet has rules, after the page's load event (a print page like the gate poster has no
    scripts, only the stylesheet)."""
    page.wait_for_load_state("load")
    return page.evaluate(
        "[...document.styleSheets].some(s => (s.href || '').includes('app.css') && s.cssRules.length > 0)"
    )


def assets_loaded(page: Page) -> bool:
    """The live server served the static files: our stylesheet has rules and htmx is running. Waits for
    the page's load event first: a click that navigates returns before the scripts have run."""
    return stylesheet_loaded(page) and page.evaluate("typeof window.htmx === 'object'")
