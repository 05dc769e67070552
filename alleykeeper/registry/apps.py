from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "alleykeeper.registry"
    label = "registry"
    verbose_name = "人口台账"

    def ready(self) -> None:
        from alleykeeper.core.stale_uploads import purges_stale_uploads
        from alleykeeper.registry import import_jobs

        purges_stale_uploads(import_jobs.purge_stale)  # manage.py purge_imports
