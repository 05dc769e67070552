"""我的账号: who the account is and what it covers, and changing its own password (GUIDE.md section 4: no
shared default passwords kept)."""

import pytest
from django.test import Client
from django.urls import reverse

from testkit.world import make_user

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("accounts:account")
CHANGE = reverse("accounts:password_change")
OLD = "Correct-horse-42"
NEW = "Lantern-alley-2026"


@pytest.fixture
def worker(world):
    user = make_user("wangcl", "grid_worker", grids=[world.grid_a], password=OLD)
    user.display_name = "王翠琳"
    user.save()
    return user


def _signed_in(user) -> Client:
    client = Client()
    assert client.post(reverse("accounts:login"), {"username": user.username, "password": OLD}).status_code == 302
    return client


def test_the_account_page_says_who_and_where_and_links_its_settings(world, worker):
    page = _signed_in(worker).get(ACCOUNT).content.decode()
    assert "王翠琳" in page and "网格员" in page
    assert f"{world.community.name} · {world.grid_a.name}" in page
    for name in ("accounts:password_change", "accounts:two_factor", "api:tokens"):
        assert f'href="{reverse(name)}"' in page
    assert "绑定手机验证器" in page  # a grid worker needs the second factor and has none yet
    # Every page's name in the top bar leads here; the tokens are no longer a main-menu entry.
    home = _signed_in(worker).get("/").content.decode()
    assert f'class="who" href="{ACCOUNT}"' in home
    assert ">接口令牌<" not in home.split("</nav>")[0]


def test_the_scope_shown_is_the_scope_that_holds(world, worker):
    """A grid worker's leftover community is not theirs (scope_of reads a grid worker's grids only): the page
    does not claim it; a street officer's streets are listed with their communities; a system administrator
    sees everything."""
    worker.communities.set([world.other_community])
    page = _signed_in(worker).get(ACCOUNT).content.decode()
    assert world.other_community.name not in page and f"{world.community.name} · {world.grid_a.name}" in page
    officer = make_user("yangzh", "street_officer", streets=[world.community.street], password=OLD)
    page = _signed_in(officer).get(ACCOUNT).content.decode()
    assert f"{world.community.street.name}：{world.community.name}" in page
    root = make_user("root", "admin", communities=[world.community], password=OLD)
    root.is_superuser = True
    root.save()
    assert "全部（系统管理员）" in _signed_in(root).get(ACCOUNT).content.decode()


def test_a_volunteer_needs_no_second_factor_and_an_unassigned_account_is_told(world):
    volunteer = make_user("lixd", "volunteer", password=OLD)
    page = _signed_in(volunteer).get(ACCOUNT).content.decode()
    assert "您的角色不需要两步验证" in page and "尚未分配：请找社区管理员" in page


def test_anonymous_is_sent_to_login(world):
    for path in (ACCOUNT, CHANGE):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("wrong-old-password", NEW, NEW, "旧密码不正确"),
        (OLD, NEW, NEW + "x", "输入的两个密码不一致"),
        (OLD, "short1", "short1", "密码太短：至少要 10 个字符"),
        (OLD, "2026120712345", "2026120712345", "密码只包含数字"),
        (OLD, "password123", "password123", "这个密码太常见了"),
        (OLD, "", "", "这个字段是必填项"),
    ],
    ids=["wrong-old", "mismatch", "too-short", "all-digits", "common", "empty"],
)
def test_a_bad_new_password_says_what_to_fix_and_keeps_the_old(world, worker, old, new1, new2, message):
    client = _signed_in(worker)
    response = client.post(CHANGE, {"old_password": old, "new_password1": new1, "new_password2": new2})
    page = response.content.decode()
    assert response.status_code == 200 and message in page and "This password" not in page
    worker.refresh_from_db()
    assert worker.check_password(OLD)


def test_old_passwords_tried_again_and_again_are_refused_like_logins(world, worker, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    client = _signed_in(worker)
    for _ in range(3):
        page = client.post(CHANGE, {"old_password": "guess", "new_password1": NEW, "new_password2": NEW})
        assert "旧密码不正确" in page.content.decode()
    # Locked now: even the right old password is refused, and nothing changes.
    page = client.post(CHANGE, {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}).content.decode()
    assert "尝试次数过多" in page
    worker.refresh_from_db()
    assert worker.check_password(OLD)


def test_the_password_rules_are_read_out_with_the_field(world, worker):
    page = _signed_in(worker).get(CHANGE).content.decode()
    assert 'aria-describedby="id_new_password1_helptext"' in page and 'id="id_new_password1_helptext"' in page


def test_a_password_like_the_persons_name_is_refused(world, worker):
    worker.display_name = "wangcuilin"
    worker.save()
    client = _signed_in(worker)
    page = client.post(CHANGE, {"old_password": OLD, "new_password1": "wangcuilin1", "new_password2": "wangcuilin1"})
    assert "太相似" in page.content.decode()


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(world, worker):
    here, elsewhere = _signed_in(worker), _signed_in(worker)
    response = here.post(CHANGE, {"old_password": OLD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == ACCOUNT
    assert "密码已修改" in here.get(ACCOUNT).content.decode()
    worker.refresh_from_db()
    assert worker.check_password(NEW) and not worker.check_password(OLD)
    assert elsewhere.get(ACCOUNT).status_code == 302  # signed out: its session hash no longer matches


def test_a_session_verified_by_its_code_stays_verified_after_the_change(world, worker):
    client = Client()
    client.force_login(worker)  # verified with the worker's authenticator (testkit.second_factor)
    assert client.get(reverse("registry:export")).status_code == 200
    client.post(CHANGE, {"old_password": OLD, "new_password1": NEW, "new_password2": NEW})
    assert client.get(reverse("registry:export")).status_code == 200
