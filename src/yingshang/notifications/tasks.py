"""Background tasks of the notification centre (run by `yingshang worker`)."""

from django.tasks import task

from . import services


@task
def send_delivery(delivery_id: int) -> str | None:
    """Send one delivery through its channel's sender (retries are scheduled by the service)."""
    return services.attempt_delivery(delivery_id)


@task
def drain_channel(channel: str) -> dict:
    """Send every due delivery of a batched channel (WeChat pushes), a batch at a time."""
    return services.drain(channel)
