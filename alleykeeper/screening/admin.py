from django.contrib import admin

from alleykeeper.core.admin import ScopedReadOnlyAdmin
from alleykeeper.screening.models import Attempt, Campaign, CampaignHousehold, KeyPerson, Question


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["order", "text", "kind", "role", "required", "active"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(ScopedReadOnlyAdmin):
    """Campaigns are set up on the screening pages (screening.actions); the admin reads them."""

    list_display = ["name", "community", "start_date", "end_date", "household_filter"]
    inlines = [QuestionInline]


@admin.register(CampaignHousehold)
class CampaignHouseholdAdmin(ScopedReadOnlyAdmin):
    list_display = ["campaign", "household", "grid", "status", "attempt_count", "last_outcome", "last_attempt_at"]
    list_filter = ["status"]
    list_select_related = ["campaign", "household__building__alley", "household__unit", "grid"]


@admin.register(Attempt)
class AttemptAdmin(ScopedReadOnlyAdmin):
    list_display = ["id", "campaign", "household", "worker", "at", "channel", "outcome"]
    list_filter = ["channel", "outcome"]
    list_select_related = ["campaign", "household__building__alley", "household__unit", "worker"]
    exclude = ["client_token"]


@admin.register(KeyPerson)
class KeyPersonAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "community", "grid", "origin", "arrival_date", "source", "status"]
    list_filter = ["status", "source"]
    list_select_related = ["community", "grid", "origin"]
    exclude = ["doc_number_enc", "doc_number_index", "phone_enc", "phone_index"]
