"""Create the first production administrator. There are no default accounts."""

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.audit.actions import record_event


class Command(BaseCommand):
    help = "Create a system administrator (superuser). Prompts for the password unless --password-stdin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    def handle(self, *args, username: str, name: str, password_stdin: bool, **options) -> None:
        if User.objects.filter(username=username).exists():
            raise CommandError(f"用户 {username} 已存在。")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("密码: ")
            if password != getpass.getpass("再输入一次: "):
                raise CommandError("两次输入的密码不一致。")
        user = User(username=username, display_name=name, role=Role.ADMIN, is_staff=True, is_superuser=True)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user.set_password(password)
        user.save()
        record_event(None, "account.create_admin", user)
        self.stdout.write(self.style.SUCCESS(f"已创建系统管理员 {username}。"))
