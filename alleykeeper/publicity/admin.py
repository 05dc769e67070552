from django.contrib import admin

from alleykeeper.publicity.models import Channel, Distribution, Material, PostingSheet


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "community", "start_date", "end_date")
    list_filter = ("kind", "community")
    readonly_fields = ("file_name", "created_by", "created_at")


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "community", "members", "active")
    list_filter = ("kind", "community")


@admin.register(Distribution)
class DistributionAdmin(admin.ModelAdmin):
    list_display = ("material", "channel", "building", "at", "reach", "reach_unit")
    raw_id_fields = ("material", "channel", "building", "alley", "by")


@admin.register(PostingSheet)
class PostingSheetAdmin(admin.ModelAdmin):
    list_display = ("material", "building", "floors")
    raw_id_fields = ("material", "building")
