"""Periodic jobs of the WeChat channel (registered with platform/jobs.py)."""

from datetime import timedelta

from yingshang.platform.jobs import periodic

from . import services


@periodic("channels.prune_nonces", every=timedelta(minutes=10))
def prune_nonces() -> int:
    """Forget replay nonces and rate buckets older than their windows."""
    return services.prune_nonces()
