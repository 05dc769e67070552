"""Background work of the push list (django-tasks): a 100,000-row import runs here, not in a web worker."""

from django.contrib.auth import get_user_model
from django_tasks import task

from alleykeeper.pushlist import actions
from alleykeeper.pushlist.models import BatchStatus, PushBatch


@task()
def import_batch(batch_id: int, actor_id: int | None = None) -> None:
    batch = PushBatch.objects.select_related("community").filter(pk=batch_id).first()
    if batch is None or batch.status != BatchStatus.PENDING:
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    actions.import_batch(actor, batch)
