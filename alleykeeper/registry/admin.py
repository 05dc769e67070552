from django.contrib import admin

from alleykeeper.core.admin import ScopedReadOnlyAdmin
from alleykeeper.registry.models import Community, Grid, Household, Resident, Street


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "street"]


@admin.register(Grid)
class GridAdmin(ScopedReadOnlyAdmin):
    """Listed in the community's own order (Grid.Meta.ordering); names and sort numbers are changed on the
    grid's page (名称与排序), through registry.actions.save_grid, which keeps the natural-order key."""

    list_display = ["name", "community", "sort_number"]
    exclude = ["name_key"]


@admin.register(Household)
class HouseholdAdmin(ScopedReadOnlyAdmin):
    list_display = ["id", "building", "unit", "room", "kind", "grid"]
    list_filter = ["kind", "grid"]
    list_select_related = ["building__alley", "unit", "grid"]
    exclude = ["landlord_phone_enc"]


@admin.register(Resident)
class ResidentAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "doc_type", "doc_number_masked", "phone_masked", "relation", "status", "household"]
    list_filter = ["status", "relation"]
    list_select_related = ["household__building__alley", "household__unit"]
    search_fields = ["name", "name_initials"]
    # The birth date too: beside the masked number it completes it (core.identity.age_on); the age is shown.
    exclude = ["doc_number_enc", "doc_number_index", "phone_enc", "phone_index", "birth_date"]
    readonly_fields = ["age"]

    @admin.display(description="年龄")
    def age(self, resident: Resident) -> int | None:
        return resident.age
