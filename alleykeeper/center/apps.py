from django.apps import AppConfig


class CenterConfig(AppConfig):
    """Where each person starts: the home page and the navigation, over every domain app."""

    name = "alleykeeper.center"
    label = "center"
    verbose_name = "工作台"
