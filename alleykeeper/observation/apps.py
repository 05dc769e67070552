from django.apps import AppConfig


class ObservationConfig(AppConfig):
    name = "alleykeeper.observation"
    label = "observation"
    verbose_name = "居家医学观察"
