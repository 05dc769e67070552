"""Background work of the register (django-tasks): imports run here, not in a web worker."""

from django_tasks import task

from alleykeeper.registry import import_jobs
from alleykeeper.registry.models import ImportJob, ImportStatus


@task()
def analyse_import(job_id: int, header_row: int | None = None) -> None:
    job = ImportJob.objects.select_related("community").get(pk=job_id)
    if job.status in (ImportStatus.QUEUED, ImportStatus.MAPPING):
        import_jobs.analyse(job, header_row=header_row)


@task()
def run_import(job_id: int) -> None:
    job = ImportJob.objects.select_related("community", "default_grid", "created_by").get(pk=job_id)
    if job.status == ImportStatus.QUEUED:
        import_jobs.execute(job)
