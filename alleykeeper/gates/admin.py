"""Closed management in the admin: read-only and scoped; changes go through the pages (gates.actions, gates.roster)."""

from django.contrib import admin
from django.http import HttpRequest

from alleykeeper.core.admin import ScopedReadOnlyAdmin
from alleykeeper.gates.models import Enclosure, Gate, GateLogEntry, Shift, ShiftMember


@admin.register(Enclosure)
class EnclosureAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "community"]
    list_select_related = ["community"]


@admin.register(Gate)
class GateAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "enclosure", "state", "opens_at", "closes_at", "token_rotated_at"]
    list_filter = ["state"]
    list_select_related = ["enclosure"]
    exclude = ["token"]


class ShiftMemberInline(admin.TabularInline):
    model = ShiftMember
    extra = 0
    can_delete = False
    readonly_fields = ["user", "is_leader"]

    def has_add_permission(self, request: HttpRequest, obj: Shift | None = None) -> bool:
        return False


@admin.register(Shift)
class ShiftAdmin(ScopedReadOnlyAdmin):
    list_display = ["gate", "starts_at", "ends_at", "min_strength"]
    list_select_related = ["gate"]
    inlines = [ShiftMemberInline]


@admin.register(GateLogEntry)
class GateLogEntryAdmin(ScopedReadOnlyAdmin):
    list_display = ["at", "gate", "kind", "direction", "temperature", "plate", "flags"]
    list_filter = ["kind", "direction"]
    list_select_related = ["gate"]
    raw_id_fields = ["resident"]
