from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "alleykeeper.screening"
    label = "screening"
    verbose_name = "排查与大数据比对"
