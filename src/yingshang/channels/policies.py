"""Who may see what of the WeChat channel."""

from yingshang.core.models import DivisionLevel, Role
from yingshang.core.policies import is_staff

# the account is the city's: its refusals belong to no county, so only city-level staff see them
REFUSAL_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.LEADER)


def may_see_refusals(user) -> bool:
    """Supervisors, administrators and leaders of the city itself (not of a county), and
    superusers: the callback's refusal counts (拒绝统计)."""
    if not is_staff(user):
        return False
    if user.is_superuser:
        return True
    division = user.division if user.role in REFUSAL_ROLES and user.division_id else None
    return bool(division is not None and division.level == DivisionLevel.CITY)
