"""Periodic jobs of the cases app (platform/jobs.py)."""

from datetime import timedelta

from yingshang.platform.jobs import periodic


@periodic("cases.drafts_expire", every=timedelta(hours=1))
def drafts_expire():
    """Delete the guided-application drafts past their expiry, with their files."""
    from .drafts import expire_drafts

    return f"{expire_drafts()} expired draft(s) deleted"
