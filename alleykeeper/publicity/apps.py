from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "alleykeeper.publicity"
    label = "publicity"
    verbose_name = "宣传"
