from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alleykeeper.alerts"
    label = "alerts"
    verbose_name = "通知与提醒"
