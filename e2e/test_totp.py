"""A community admin on a phone enrols an authenticator (TOTP), then signs in with password and code."""

import re
import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from e2e.helpers import E2E_PASSWORD, assets_loaded, no_horizontal_scroll
from testkit.second_factor import current_code

pytestmark = pytest.mark.e2e


def test_admin_enrols_totp_and_logs_in_with_it(phone_page: Page, live_world):
    page, admin = phone_page, live_world.admin

    # First sign-in, no authenticator yet: the password is enough to get in, not to export.
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(admin.username)
    page.get_by_label("密码").fill(E2E_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name="绑定手机验证器")).to_be_visible()
    assert assets_loaded(page) and no_horizontal_scroll(page)
    page.goto("/register/export/")
    expect(page.get_by_role("heading", level=1)).to_have_text("没有权限")
    page.get_by_role("link", name="去完成两步验证").click()

    # Enrol: start, the QR code and the key appear; the app's first code confirms.
    page.get_by_role("button", name="开始绑定").click()
    expect(page.locator("figure.qr svg")).to_be_visible()
    assert no_horizontal_scroll(page)
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user=admin)
    assert secret and not device.confirmed
    page.get_by_label("验证码").fill("000000" if current_code(device) != "000000" else "111111")
    page.get_by_role("button", name="确认绑定").click()
    expect(page.get_by_text("验证码不对")).to_be_visible()
    time.sleep(1.5)  # django-otp makes a device wait after a wrong code
    code = f"{totp(_key(secret), drift=0):06d}"  # what the phone's app shows, from the key it was given
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="确认绑定").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("导出")
    device.refresh_from_db()
    assert device.confirmed

    # Sign out and in again: after the password, the code.
    page.get_by_role("button", name="退出").click()
    page.get_by_label("用户名").fill(admin.username)
    page.get_by_label("密码").fill(E2E_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("输入验证码")
    assert no_horizontal_scroll(page)
    page.get_by_label("验证码").fill(current_code(device))
    page.get_by_role("button", name="验证并登录").click()
    expect(page.locator(".topbar .who")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("绑定手机验证器|输入验证码"))).to_have_count(0)
    page.goto("/register/export/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("导出")


def _key(secret: str) -> bytes:
    from base64 import b32decode

    return b32decode(secret)
