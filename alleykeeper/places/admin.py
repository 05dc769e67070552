from django.contrib import admin

from alleykeeper.places.models import Division, KeyArea


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(KeyArea)
class KeyAreaAdmin(admin.ModelAdmin):
    list_display = ["division", "start", "end", "note"]
    autocomplete_fields = ["division"]
