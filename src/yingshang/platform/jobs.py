"""Periodic jobs of the platform layer."""

from datetime import timedelta

from yingshang.core.jobs import periodic  # moves to yingshang.platform with the scheduler

from . import uploads


@periodic("platform.uploads_sweep", every=timedelta(hours=1))
def uploads_sweep():
    """Remove uploaded files older than an hour that no row refers to."""
    r = uploads.sweep()
    return {"removed": len(r.removed), "recovered": len(r.recovered), "kept": r.kept}
