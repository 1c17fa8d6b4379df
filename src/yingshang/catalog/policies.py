"""Who may manage the catalog (事项目录): catalog maintainers only — the Django permission
``catalog.maintain_catalog``, held through the group 事项目录维护员 — and only items of a
department in their subtree (department roles: their own department). An ordinary clerk,
handler or head reads the catalog and applies for its items; he does not change it."""

from django.utils.translation import gettext_lazy as _

from yingshang.core.models import DEPARTMENT_ROLES
from yingshang.core.policies import holds
from yingshang.platform.policies import Policy, Rule


def _manages(user, obj) -> bool:
    """``obj``: a ServiceItem (its department) or a Department."""
    if user is None or user.is_superuser:
        return True
    department = getattr(obj, "department", None) or obj
    if not (user.role and user.division_id and department.division.is_within(user.division)):
        return False
    if user.role in DEPARTMENT_ROLES:
        return department.pk == user.department_id
    return True


policy = Policy(
    "catalog",
    {
        "maintain": Rule(
            who=holds("catalog.maintain_catalog"),
            on=_manages,
            field=None,
            message=_("只有事项目录维护员可以管理本辖区部门的事项。"),
            label=_("新增、修改、导入、停用事项（需“维护事项目录”权限，限本辖区部门）"),
        ),
    },
)

can = policy.can
check = policy.check
