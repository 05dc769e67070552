from django.contrib import admin
from django.http import HttpRequest

from alleykeeper.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written only by audit.actions.record_event."""

    list_display = ["at", "actor_label", "action", "object_label", "purpose", "row_count", "client_ip"]
    list_filter = ["action", "purpose", "at"]
    search_fields = ["actor_label", "object_label", "reason"]
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
