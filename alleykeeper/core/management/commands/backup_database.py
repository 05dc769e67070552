from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from alleykeeper.core import backups


class Command(BaseCommand):
    help = "Back up the database into BACKUP_DIR (pg_dump, or SQLite's online backup); keep the newest BACKUP_KEEP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="where to write (default: BACKUP_DIR)")

    def handle(self, *args: object, dir: Path | None = None, **options: object) -> None:
        directory = dir or Path(settings.BACKUP_DIR)
        try:
            path = backups.backup(directory, timezone.localtime())
        except backups.BackupError as problem:
            raise CommandError(str(problem)) from problem
        removed = backups.remove_old(directory, settings.BACKUP_KEEP)
        self.stdout.write(f"backup written: {path} ({path.stat().st_size} bytes); {len(removed)} old removed")
