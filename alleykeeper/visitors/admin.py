from django.contrib import admin

from alleykeeper.visitors.models import Registration


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Read-only: registrations come from the public form only; identity shows masked."""

    list_display = ["code", "name", "gate", "arrival_date", "origin", "key_area_names", "created_at"]
    list_select_related = ["gate", "origin"]
    list_filter = ["created_at"]
    search_fields = ["code"]
    fields = [
        "gate", "code", "name", "doc_type", "doc_number_masked", "phone_masked", "arrival_date", "origin",
        "places_passed", "transport", "transport_number", "reason", "host_address", "host_name",
        "key_area_names", "key_person", "created_at",
    ]  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
