from django.apps import AppConfig


class VisitorsConfig(AppConfig):
    name = "alleykeeper.visitors"
    label = "visitors"
    verbose_name = "来访登记"
