"""Re-encrypt identity data with the newest key, and optionally rebuild the blind index.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), run this
command, then remove the old keys. After changing BLIND_INDEX_KEY run it with --reindex.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction

from alleykeeper.audit.actions import record_event
from alleykeeper.core.crypto import blind_index, decrypt, rotate
from alleykeeper.core.models import SealedIdentity

BATCH = 1000


class Command(BaseCommand):
    help = "Re-encrypt ID numbers and phones with the newest key (and --reindex the blind index)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reindex", action="store_true", help="recompute blind indexes with BLIND_INDEX_KEY")

    def handle(self, *args: object, reindex: bool, **options: object) -> None:
        total = 0
        # Every model that names its ciphertext columns (core.models.SealedIdentity.sealed_fields), in any app.
        for model in apps.get_models():
            if getattr(model, "sealed_fields", ()):
                total += self._rotate(model, reindex and issubclass(model, SealedIdentity))
        self.stdout.write(self.style.SUCCESS(f"已处理 {total} 行。"))
        record_event(None, "keys.rotate", label="identity data", row_count=total, detail={"reindex": reindex})

    def _rotate(self, model: type[models.Model], reindex: bool) -> int:
        sealed = list(model.sealed_fields)
        done = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                rows = list(model.objects.filter(pk__gt=last_pk).order_by("pk").only("pk", *sealed)[:BATCH])
                if not rows:
                    return done
                fields = list(sealed)
                for row in rows:
                    for name in sealed:
                        setattr(row, name, rotate(getattr(row, name)))
                    if reindex:
                        row.doc_number_index = blind_index("doc", decrypt(row.doc_number_enc))
                        row.phone_index = blind_index("phone", decrypt(row.phone_enc))
                if reindex:
                    fields += ["doc_number_index", "phone_index"]
                model.objects.bulk_update(rows, fields)
            done += len(rows)
            last_pk = rows[-1].pk
