"""Background tasks of the notification centre (run by `yingshang worker`)."""

from django.tasks import task

from . import services


@task
def send_delivery(delivery_id: int) -> str | None:
    """Send one delivery through its channel's sender (retries are scheduled by the service)."""
    return services.attempt_delivery(delivery_id)
