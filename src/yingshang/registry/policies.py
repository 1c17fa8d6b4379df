"""Who may change registry master data (企业、自然人、证照): registry maintainers only
(the Django permission ``registry.maintain_registry``, held through the group 登记主体维护员),
and only records of their own subtree."""

from django.utils.translation import gettext_lazy as _

from yingshang.core.policies import holds
from yingshang.platform.policies import Policy, Rule
from yingshang.platform.scoping import scope_filter


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
        "maintain": Rule(
            who=holds("registry.maintain_registry"),
            on=in_scope,
            field=None,
            message=_("只有登记主体维护员可以修改登记主体数据。"),
            label=_("登记、修改企业、自然人和证照(需“维护登记主体数据”权限,限本辖区)"),
        ),
    },
)

can = policy.can
check = policy.check
