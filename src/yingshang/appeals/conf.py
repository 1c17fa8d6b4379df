"""Configurable limits. Override in settings (or the environment-driven settings module) with
the names below; the defaults follow Sichuan's 12345 rules (see docs/appeals.md)."""

from django.conf import settings

DEFAULT_LIMITS = {"consult": 3, "help": 7, "suggest": 7, "complaint": 15, "policy": 15}


def limit_days(appeal_type: str) -> int:
    limits = {**DEFAULT_LIMITS, **getattr(settings, "APPEAL_LIMIT_DAYS", {})}
    return int(limits[appeal_type])


def sign_days() -> int:
    return int(getattr(settings, "APPEAL_SIGN_DAYS", 1))


def max_extension_days() -> int:
    """Total working days an appeal may be extended by, over all approved extensions."""
    return int(getattr(settings, "APPEAL_MAX_EXTENSION_DAYS", 15))


def repeat_threshold() -> float:
    return float(getattr(settings, "APPEAL_REPEAT_THRESHOLD", 0.5))


def repeat_window_days() -> int:
    return int(getattr(settings, "APPEAL_REPEAT_WINDOW_DAYS", 30))
