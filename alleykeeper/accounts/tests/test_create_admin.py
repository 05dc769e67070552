"""No default accounts; the production administrator is created by `manage.py create_admin`."""

import io

import pytest
from django.core.management import CommandError, call_command

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

STRONG = "Lantern-harbour-1987"


def _create(monkeypatch, *args: str, stdin: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("create_admin", *args, "--password-stdin", stdout=out)
    return out.getvalue()


def test_no_accounts_exist_after_migrate():
    assert not User.objects.exists(), "migrations must not create any account"


def test_create_admin_reads_the_password_from_stdin(monkeypatch):
    printed = _create(monkeypatch, "boss", "--name", "系统管理员", stdin=STRONG + "\n")
    user = User.objects.get(username="boss")
    assert user.is_superuser and user.is_staff and user.role == Role.ADMIN and user.display_name == "系统管理员"
    assert user.check_password(STRONG) and STRONG not in user.password
    assert STRONG not in printed
    event = AuditEvent.objects.get(action="account.create_admin")
    assert event.object_id == user.pk and STRONG not in str(event.detail) + event.object_label + event.reason


@pytest.mark.parametrize(
    ("username", "weak"),
    [
        ("boss", "Short-1"),  # under 10 characters
        ("boss", "1234567890123"),  # digits only
        ("boss", "password123"),  # on the common-password list
        ("chenyuling", "chenyuling1"),  # nearly the username
        ("boss", ""),  # nothing typed
    ],
)
def test_weak_passwords_are_refused(monkeypatch, username, weak):
    with pytest.raises(CommandError):
        _create(monkeypatch, username, stdin=weak + "\n")
    assert not User.objects.exists()


def test_duplicate_username_is_refused(monkeypatch):
    _create(monkeypatch, "boss", stdin=STRONG + "\n")
    with pytest.raises(CommandError, match="已存在"):
        _create(monkeypatch, "boss", stdin="Another-strong-pass-2\n")
    assert User.objects.get(username="boss").check_password(STRONG), "the first account is untouched"


def test_prompted_passwords_must_match(monkeypatch):
    answers = iter(["Lantern-harbour-1987", "Lantern-harbour-1988"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="不一致"):
        call_command("create_admin", "boss", stdout=io.StringIO())
    assert not User.objects.exists()
