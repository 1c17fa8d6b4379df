"""Who may act on enterprise representatives (企业经办人核验) — one place for the
representation machine, the services, the views and the API."""

from django.utils.translation import gettext_lazy as _

from yingshang.core.models import Role
from yingshang.core.policies import has_role, is_portal_user, writes
from yingshang.platform.policies import Policy, Rule


def _own(user, representation) -> bool:
    return bool(user is not None and representation.user_id == getattr(user, "pk", None))


def _approver(user) -> bool:
    """Registry maintainers and window clerks (综合窗口人员) decide requests; read-only roles never."""
    return writes(user) and has_role(Role.CLERK, Role.ADMIN)(user)


def _in_scope(user, representation) -> bool:
    """The enterprise is registered in the approver's division subtree."""
    from .models import Enterprise

    return Enterprise.objects.visible_to(user).filter(pk=representation.enterprise_id).exists()


def _own_or_in_scope(user, representation) -> bool:
    return _own(user, representation) or (_approver(user) and _in_scope(user, representation))


def _portal_or_approver(user) -> bool:
    return is_portal_user(user) or _approver(user)


policy = Policy(
    "registry",
    {
        "represent": Rule(
            who=is_portal_user,
            on=_own,
            field="user",
            message=_("只有申请人本人(企业或群众账号)可以办理经办人核验。"),
            label=_("申请成为企业经办人、验证码或实名核验(本人)"),
        ),
        "approve": Rule(
            who=_approver,
            on=_in_scope,
            field="user",
            message=_("只有企业登记地的综合窗口人员或管理员可以审核企业经办人。"),
            label=_("审核企业经办人(企业登记在本区划)"),
        ),
        "revoke": Rule(
            who=_portal_or_approver,
            on=_own_or_in_scope,
            field="user",
            message=_("只有经办人本人或企业登记地的审核人员可以撤销经办人。"),
            label=_("撤销企业经办人(本人,或本区划审核人员)"),
        ),
    },
)

can = policy.can
check = policy.check
