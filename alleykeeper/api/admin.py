from django.contrib import admin

from alleykeeper.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are created and revoked by their owners on their own page."""

    list_display = ("name", "owner", "scope", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    readonly_fields = ("owner", "name", "scope", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("secret_hash",)

    def has_add_permission(self, request) -> bool:
        return False
