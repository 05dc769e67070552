"""Background work of the alerts (django-tasks): sending runs here, never in the request that caused it."""

from django.utils import timezone
from django_tasks import task

from alleykeeper.alerts.delivery import send_due


@task()
def send_due_messages() -> int:
    """Send every message due now (a later run picks up the retries); returns how many went out."""
    return send_due(timezone.now()).sent
