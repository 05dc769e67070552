from django.contrib import admin

from alleykeeper.core.admin import ScopedReadOnlyAdmin
from alleykeeper.pushlist.models import PushBatch, PushedPerson


@admin.register(PushBatch)
class PushBatchAdmin(ScopedReadOnlyAdmin):
    list_display = ["received_on", "community", "source", "status", "row_count", "imported_count"]
    list_filter = ["status", "community"]
    readonly_fields = ["file_sha256", "status", "row_count", "imported_count", "imported_at"]


@admin.register(PushedPerson)
class PushedPersonAdmin(ScopedReadOnlyAdmin):
    """Masked values only, read-only: outcomes are set on the person's page (audited), full values read
    through the audited reveal."""

    list_display = ["name", "batch", "doc_number_masked", "phone_masked", "match_state", "outcome"]
    list_filter = ["match_state", "outcome"]
    list_select_related = ["batch"]
    search_fields = ["name"]
    readonly_fields = ["doc_number_masked", "phone_masked", "age", "match_state", "match_reason"]
    # The birth date completes the masked number (core.identity.age_on): the age is shown instead.
    exclude = ["resident", "key_person", "household", "grid", "origin", "outcome_by", "birth_date"]

    @admin.display(description="年龄")
    def age(self, person: PushedPerson) -> int | None:
        return person.age
