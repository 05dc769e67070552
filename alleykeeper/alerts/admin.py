from django.contrib import admin

from alleykeeper.alerts.models import Message
from alleykeeper.core.admin import ScopedReadOnlyAdmin


@admin.register(Message)
class MessageAdmin(ScopedReadOnlyAdmin):
    """Read-only: channels, rules and resends go through the pages and their actions."""

    list_display = ("created_at", "kind", "channel", "recipient_label", "status", "attempts")
    list_filter = ("status", "channel", "kind")
    raw_id_fields = ("community", "grid", "case", "recipient", "digest")
