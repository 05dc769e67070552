from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "alleykeeper.accounts"
    label = "accounts"
    default = True
    verbose_name = "账号与角色"


class VerifiedAdminConfig(admin_apps.AdminConfig):
    """The Django admin, on a site that asks for the second factor (accounts/admin_site.py)."""

    default = False
    default_site = "alleykeeper.accounts.admin_site.VerifiedAdminSite"
