"""Who may act on cases (办件) — asked by the case machine, views and the API."""

from django.utils.translation import gettext_lazy as _

from yingshang.core.policies import is_staff, writes
from yingshang.platform.policies import Policy, Rule


def _own_case(user, case) -> bool:
    return user is None or case.user_id == getattr(user, "pk", None)


policy = Policy(
    "cases",
    {
        # staff edges of the case machine (受理, 补正, 办结 …)
        "handle": Rule(
            who=is_staff,
            field="action",
            message=_("只有工作人员可以执行此操作。"),
            label=_("办理办件"),
        ),
        # every staff write (city leaders read only)
        "write": Rule(
            who=writes, field="action", message=_("只读角色不能办理办件。"), label=_("写入办件")
        ),
        # applicant edges (补正提交, 撤回): the applicant's own case (staff act for them at the window)
        "applicant": Rule(on=_own_case, label=_("申请人操作本人办件")),
    },
)

can = policy.can
check = policy.check
