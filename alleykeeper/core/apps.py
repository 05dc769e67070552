from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "alleykeeper.core"
    label = "core"
    verbose_name = "基础"
