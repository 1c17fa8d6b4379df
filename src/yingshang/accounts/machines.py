"""The applicant-account life cycle on the platform kit: an account is active until its user
deletes it (PIPL art. 47); every step is an ``AccountEvent``. docs/state-machines.md is
generated from this table."""

from django.utils.translation import gettext_lazy

from yingshang.platform.transitions import Edge, Machine, register

from .models import Account, AccountEvent
from .models import AccountStatus as S
from .policies import policy


@register
class AccountMachine(Machine):
    name = "accounts"
    title = gettext_lazy("申请人账号")
    model, states, field = Account, S, "status"
    event_model, event_fk = AccountEvent, "account"
    policy = policy
    error_field = "confirm"
    edges = [
        Edge("close", {S.ACTIVE}, S.DELETED, gettext_lazy("注销账号"), "close"),
    ]


__all__ = ["AccountMachine"]
