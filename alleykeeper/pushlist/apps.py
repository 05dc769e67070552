from django.apps import AppConfig


class PushlistConfig(AppConfig):
    name = "alleykeeper.pushlist"
    label = "pushlist"
    verbose_name = "大数据推送名单比对"
