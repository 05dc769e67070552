from django.apps import AppConfig


class SanitationConfig(AppConfig):
    name = "alleykeeper.sanitation"
    label = "sanitation"
    verbose_name = "消杀"
