from django.apps import AppConfig


class GatesConfig(AppConfig):
    name = "alleykeeper.gates"
    label = "gates"
    verbose_name = "封闭管理"
