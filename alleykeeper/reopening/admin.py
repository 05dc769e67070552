"""The admin: the checklist of the joint inspection (per gate and sector) is edited here; enterprises and
applications are read here and changed through the pages (their actions audit every step)."""

from django.contrib import admin

from alleykeeper.reopening.models import Application, ChecklistItem, Enterprise


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ("text", "gate", "sector", "sort_number", "active")
    list_filter = ("gate", "sector", "active")
    list_editable = ("sort_number", "active")


class ScopedReadOnly(admin.ModelAdmin):
    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=self.model.objects.visible_to(request.user).values("pk"))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedReadOnly):
    list_display = ("name", "credit_code", "grid", "state", "phone_masked")
    list_filter = ("state", "sector")
    search_fields = ("name", "=credit_code")
    exclude = ("phone_enc", "phone_index")


@admin.register(Application)
class ApplicationAdmin(ScopedReadOnly):
    list_display = ("enterprise", "status", "planned_date", "submitted_at")
    list_filter = ("status",)
    exclude = ("contact_phone_enc",)
