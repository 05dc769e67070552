from django.apps import AppConfig


class ReopeningConfig(AppConfig):
    name = "alleykeeper.reopening"
    label = "reopening"
    verbose_name = "复工复产"

    def ready(self) -> None:
        from alleykeeper.core.stale_uploads import purges_stale_uploads
        from alleykeeper.reopening import importing

        purges_stale_uploads(importing.purge_stale)  # manage.py purge_imports
