from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alleykeeper.core import backups


class Command(BaseCommand):
    help = (
        "Restore a backup (backup_database) into the database of DATABASE_URL, which must be new and empty; "
        "then run `manage.py migrate` (a backup of an older version is brought up to date)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="a .dump (PostgreSQL) or .sqlite3 file")

    def handle(self, *args: object, backup: Path, **options: object) -> None:
        if not backup.is_file():
            raise CommandError(f"no backup file at {backup}")
        try:
            backups.restore(backup)
        except backups.BackupError as problem:
            raise CommandError(str(problem)) from problem
        self.stdout.write(f"restored {backup}")
