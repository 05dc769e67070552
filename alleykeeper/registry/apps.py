from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "alleykeeper.registry"
    label = "registry"
    verbose_name = "人口台账"
