from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "alleykeeper.supplies"
    label = "supplies"
    verbose_name = "物资"
