"""Who may act on an applicant account: only its own user (the system — ``actor=None`` — is
trusted: the demo, administrators' imports)."""

from django.utils.translation import gettext_lazy as _

from yingshang.core.policies import is_portal_user
from yingshang.platform.policies import Policy, Rule


def _own(user, account) -> bool:
    return bool(user is not None and account.user_id == getattr(user, "pk", None))


policy = Policy(
    "accounts",
    {
        "close": Rule(
            who=is_portal_user,
            on=_own,
            field="confirm",
            message=_("只有账号本人可以注销账号。"),
            label=_("注销申请人账号（本人）"),
        ),
    },
)

can = policy.can
check = policy.check
