from django.apps import AppConfig


class PushlistConfig(AppConfig):
    name = "alleykeeper.pushlist"
    label = "pushlist"
    verbose_name = "大数据推送名单比对"

    def ready(self) -> None:
        from alleykeeper.core.stale_uploads import purges_stale_uploads
        from alleykeeper.pushlist import actions

        purges_stale_uploads(actions.purge_stale)  # manage.py purge_imports
