from django.contrib import admin

from alleykeeper.sanitation.models import DisinfectionTask, Place, Plan


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "community", "kind", "sequence"]
    list_filter = ["community", "kind"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["place", "frequency", "cleaner", "active"]
    list_filter = ["community", "active"]


@admin.register(DisinfectionTask)
class DisinfectionTaskAdmin(admin.ModelAdmin):
    """Read-only: tasks are made by the command and done on the cleaner's page."""

    list_display = ["place", "day", "due_at", "done_at", "cleaner"]
    list_filter = ["community", "source", "day"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
