"""The enterprise-representative (企业经办人) transition table on the platform kit;
docs/state-machines.md is generated from it. The services (``registry.services``) check the
code, the provider's answer and the limits before they take an edge."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.platform.transitions import SAME, Edge, Machine, register

from .models import Representation, RepresentationEvent, VerificationMethod
from .models import RepresentationStatus as S
from .policies import policy


def _reason_required(ctx):
    if not ctx.note:
        raise ValidationError({"note": _("请填写驳回或撤销的理由。")})


def _verified_by(method):
    def effect(ctx):
        ctx.obj.method = method
        ctx.obj.decided_at = ctx.now
        ctx.obj.code_hash = ""
        ctx.event_data["method"] = str(method)

    return effect


def _decided(ctx):
    ctx.obj.decided_at = ctx.now
    ctx.obj.code_hash = ""


def _code_sent(ctx):
    ctx.obj.code_hash = ctx.data["code_hash"]
    ctx.obj.code_sent_at = ctx.now
    ctx.obj.code_expires_at = ctx.data["expires_at"]
    ctx.obj.code_attempts = 0
    ctx.event_data["to"] = ctx.data.get("masked_phone", "")


def _reopened(ctx):
    ctx.obj.method = ""
    ctx.obj.decided_at = None
    ctx.obj.code_hash = ""
    ctx.obj.code_sent_at = ctx.obj.code_expires_at = None
    ctx.obj.code_attempts = 0


@register
class RepresentationMachine(Machine):
    name = "representations"
    title = gettext_lazy("企业经办人核验")
    model, states, field = Representation, S, "status"
    event_model, event_fk = RepresentationEvent, "representation"
    policy = policy
    edges = [
        Edge("send_code", {S.PENDING}, SAME, gettext_lazy("发送验证码"), "represent",
             effects=_code_sent),
        Edge("verify_code", {S.PENDING}, S.VERIFIED, gettext_lazy("验证码核验通过"), "represent",
             effects=_verified_by(VerificationMethod.SMS)),
        Edge("verify_realname", {S.PENDING}, S.VERIFIED, gettext_lazy("实名核验通过"),
             "represent", effects=_verified_by(VerificationMethod.REALNAME)),
        Edge("approve", {S.PENDING}, S.VERIFIED, gettext_lazy("审核通过"), "approve",
             effects=_verified_by(VerificationMethod.STAFF)),
        Edge("reject", {S.PENDING}, S.REJECTED, gettext_lazy("驳回"), "approve",
             guards=_reason_required, effects=_decided),
        Edge("revoke", {S.VERIFIED, S.PENDING}, S.REVOKED, gettext_lazy("撤销"), "revoke",
             effects=_decided),
        Edge("reapply", {S.REJECTED, S.REVOKED}, S.PENDING, gettext_lazy("重新申请"),
             "represent", effects=_reopened),
    ]  # fmt: skip

    def refuse(self, obj, edge):
        return ValidationError(
            {
                "status": _("经办人核验当前状态为“%(s)s”，不能执行“%(a)s”。")
                % {"s": obj.get_status_display(), "a": edge.label}
            }
        )


__all__ = ["RepresentationMachine"]
