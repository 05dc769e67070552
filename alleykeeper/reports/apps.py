from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The figures of the command center (one definition each, over the domain apps' records) and the
    daily report (日报) built from them."""

    name = "alleykeeper.reports"
    label = "reports"
    verbose_name = "日报与数据"
