"""Who may act in the registry — one place for the services, the views and the API:
registry master data (企业、自然人、证照) is changed only by registry maintainers (the Django
permission ``registry.maintain_registry``, held through the group 登记主体维护员) and only for records
of their own subtree; enterprise representatives (企业经办人核验) are requested by the person and
decided by window clerks, administrators or registry maintainers of the enterprise's area."""

from django.utils.translation import gettext_lazy as _

from yingshang.core.models import Role
from yingshang.core.policies import has_role, holds, is_portal_user, writes
from yingshang.platform.policies import Policy, Rule
from yingshang.platform.scoping import scope_filter


def _own(user, representation) -> bool:
    return bool(user is not None and representation.user_id == getattr(user, "pk", None))


def _approver(user) -> bool:
    """Registry maintainers and window clerks (综合窗口人员) decide requests; read-only roles never."""
    return writes(user) and (
        has_role(Role.CLERK, Role.ADMIN)(user) or holds("registry.maintain_registry")(user)
    )


def _in_scope(user, representation) -> bool:
    """The enterprise is registered in the approver's division subtree."""
    from .models import Enterprise

    return Enterprise.objects.visible_to(user).filter(pk=representation.enterprise_id).exists()


def _own_or_in_scope(user, representation) -> bool:
    return _own(user, representation) or (_approver(user) and _in_scope(user, representation))


def _portal_or_approver(user) -> bool:
    return is_portal_user(user) or _approver(user)


def in_scope(user, obj) -> bool:
    """``obj`` (an Enterprise, Person or ELicence) is inside ``user``'s write scope."""
    if user is None or user.is_superuser:
        return True
    q = scope_filter(type(obj), user)
    if q is None:
        return True
    if obj.pk is None:
        return False
    return type(obj).objects.filter(q, pk=obj.pk).exists()


def division_in_scope(user, division) -> bool:
    """May ``user`` place a record in ``division``? (None: no division — superusers only)."""
    if user is None or user.is_superuser:
        return True
    if division is None or not user.division_id:
        return False
    return division.is_within(user.division)


policy = Policy(
    "registry",
    {
        "represent": Rule(
            who=is_portal_user,
            on=_own,
            field="user",
            message=_("只有申请人本人（企业或群众账号）可以办理经办人核验。"),
            label=_("申请成为企业经办人、验证码或实名核验（本人）"),
        ),
        "approve": Rule(
            who=_approver,
            on=_in_scope,
            field="user",
            message=_("只有企业登记地的综合窗口人员或管理员可以审核企业经办人。"),
            label=_("审核企业经办人（企业登记在本区划）"),
        ),
        "revoke": Rule(
            who=_portal_or_approver,
            on=_own_or_in_scope,
            field="user",
            message=_("只有经办人本人或企业登记地的审核人员可以撤销经办人。"),
            label=_("撤销企业经办人（本人，或本区划审核人员）"),
        ),
        "maintain": Rule(
            who=holds("registry.maintain_registry"),
            on=in_scope,
            field=None,
            message=_("只有登记主体维护员可以修改登记主体数据。"),
            label=_("登记、修改企业、自然人和证照（需“维护登记主体数据”权限，限本辖区）"),
        ),
    },
)

can = policy.can
check = policy.check
