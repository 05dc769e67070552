from django.contrib import admin

from alleykeeper.core.admin import ScopedReadOnlyAdmin
from alleykeeper.observation.models import ObservationCase, ServiceRequest


@admin.register(ObservationCase)
class ObservationCaseAdmin(ScopedReadOnlyAdmin):
    """Read-only: every change goes through the pages and their actions, which audit it."""

    list_display = ("name", "status", "planned_end", "fever_state", "assigned_worker", "grid")
    list_filter = ("status", "fever_state")
    search_fields = ("name",)
    raw_id_fields = ("household", "resident", "key_person", "assigned_worker", "origin", "created_by", "closed_by")
    readonly_fields = ("status", "fever_state", "closed_at", "closed_by", "escalated_at", "opened_at")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ScopedReadOnlyAdmin):
    list_display = ("case", "kind", "status", "due_by", "assignee")
    list_filter = ("status", "kind")
    raw_id_fields = ("case", "assignee", "requested_by", "delivered_by", "confirmed_in")
