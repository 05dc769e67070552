from django.apps import AppConfig


class ReopeningConfig(AppConfig):
    name = "alleykeeper.reopening"
    label = "reopening"
    verbose_name = "复工复产"
