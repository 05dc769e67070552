from django.contrib import admin

from alleykeeper.supplies.models import StockMove, SupplyItem


@admin.register(SupplyItem)
class SupplyItemAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "kind", "unit", "on_hand", "low_threshold"]
    list_filter = ["community", "kind"]
    readonly_fields = ["on_hand", "created_at"]


@admin.register(StockMove)
class StockMoveAdmin(admin.ModelAdmin):
    """Read-only: stock changes only through the pages (supplies.actions keeps the stock and the moves agreeing)."""

    list_display = ["item", "kind", "quantity", "balance", "at", "recorded_by"]
    list_filter = ["kind"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
