from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo community and synthetic registers: on top of every domain app, imported by none."""

    name = "alleykeeper.demo"
    label = "demo"
    verbose_name = "演示数据"
