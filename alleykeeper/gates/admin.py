"""Closed management in the admin: read-only and scoped; changes go through the pages (gates.actions, gates.roster)."""

from django.contrib import admin, messages
from django.http import HttpRequest

from alleykeeper.core.admin import ScopedReadOnlyAdmin
from alleykeeper.gates import roster
from alleykeeper.gates.models import Enclosure, Gate, GateLogEntry, RosterEntry, Shift, ShiftMember, SkippedShift


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
    actions = ["generate_shifts"]

    @admin.action(description="按每周排班生成未来 14 天的班次")
    def generate_shifts(self, request: HttpRequest, queryset) -> None:
        done = roster.generate_shifts(request.user, gates=list(queryset))
        self.message_user(request, f"已生成 {done.shifts} 个班次，排入 {done.members} 人次。")
        for note in done.notes[:20]:
            self.message_user(request, note, messages.WARNING)


@admin.register(RosterEntry)
class RosterEntryAdmin(ScopedReadOnlyAdmin):
    list_display = ["gate", "weekdays", "starts", "ends", "min_strength", "leader"]
    list_select_related = ["gate", "leader"]


@admin.register(SkippedShift)
class SkippedShiftAdmin(ScopedReadOnlyAdmin):
    list_display = ["entry", "day", "reason", "cancelled_at", "cancelled_by"]
    list_select_related = ["entry__gate", "cancelled_by"]

    def get_queryset(self, request: HttpRequest):
        entries = RosterEntry.objects.visible_to(request.user)
        return SkippedShift.objects.filter(entry__in=entries)


class ShiftMemberInline(admin.TabularInline):
    model = ShiftMember
    extra = 0
    can_delete = False
    readonly_fields = ["user", "is_leader"]

    def has_add_permission(self, request: HttpRequest, obj: Shift | None = None) -> bool:
        return False


@admin.register(Shift)
class ShiftAdmin(ScopedReadOnlyAdmin):
    list_display = ["gate", "starts_at", "ends_at", "min_strength", "roster_entry", "changed_by_hand"]
    list_select_related = ["gate", "roster_entry__gate"]
    inlines = [ShiftMemberInline]


@admin.register(GateLogEntry)
class GateLogEntryAdmin(ScopedReadOnlyAdmin):
    list_display = ["at", "gate", "kind", "direction", "temperature", "plate", "flags"]
    list_filter = ["kind", "direction"]
    list_select_related = ["gate"]
    raw_id_fields = ["resident"]
