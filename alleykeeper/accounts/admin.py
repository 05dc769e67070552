from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from alleykeeper.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "communities"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("角色与范围", {"fields": ("display_name", "role", "streets", "communities", "grids")}),
    )
    filter_horizontal = ["streets", "communities", "grids", "groups", "user_permissions"]
