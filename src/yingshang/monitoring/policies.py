"""Who may read and generate monitoring reports — asked by the views and the reports page."""

from django.utils.translation import gettext_lazy as _

from yingshang.core.models import DivisionLevel, Role
from yingshang.core.policies import has_role
from yingshang.platform.policies import Policy, Rule


def _city_staff(user) -> bool:
    """Staff of the city or above download the monthly reports."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(user.role and user.division_id and user.division.level <= DivisionLevel.CITY)


_supervises = has_role(Role.SUPERVISOR, Role.ADMIN)


def _city_supervisor(user) -> bool:
    """The monthly report covers the whole city: its supervisors and administrators generate it
    (a county supervisor, who may not download it, may not write it either)."""
    return _supervises(user) and _city_staff(user)


policy = Policy(
    "monitoring",
    {
        "generate_report": Rule(who=_city_supervisor, label=_("生成月度报告（市级及以上）")),
        "export_process_log": Rule(who=_supervises, label=_("导出流程事件日志（XES）")),
        "download_report": Rule(who=_city_staff, label=_("下载月度报告（市级及以上）")),
        "load_benchmarks": Rule(who=_supervises, label=_("导入对标数据（CSV）")),
    },
)

can = policy.can
check = policy.check
