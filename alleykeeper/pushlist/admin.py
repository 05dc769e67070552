from django.contrib import admin

from alleykeeper.pushlist.models import PushBatch, PushedPerson


@admin.register(PushBatch)
class PushBatchAdmin(admin.ModelAdmin):
    list_display = ["received_on", "community", "source", "status", "row_count", "imported_count"]
    list_filter = ["status", "community"]
    readonly_fields = ["file_sha256", "status", "row_count", "imported_count", "imported_at"]


@admin.register(PushedPerson)
class PushedPersonAdmin(admin.ModelAdmin):
    """Masked values only; full values are read through the audited reveal on the person's page."""

    list_display = ["name", "batch", "doc_number_masked", "phone_masked", "match_state", "outcome"]
    list_filter = ["match_state", "outcome"]
    list_select_related = ["batch"]
    search_fields = ["name"]
    readonly_fields = ["doc_number_masked", "phone_masked", "match_state", "match_reason"]
    exclude = ["resident", "key_person", "household", "grid", "origin", "outcome_by"]
