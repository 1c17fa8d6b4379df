"""Periodic jobs of the WeChat channel (registered with core/jobs.py)."""

from datetime import timedelta

from yingshang.core.jobs import periodic

from . import services


@periodic("channels.prune_nonces", every=timedelta(minutes=10))
def prune_nonces() -> int:
    """Forget replay nonces and rate buckets older than their windows."""
    return services.prune_nonces()
