"""SMS templates: what a message says, which variables it has, and how each variable is fitted to
the provider's limits.

Both Chinese providers send only pre-approved templates: the platform sends a template id and
the variables, never free text. Each template is registered once with the provider (the text
below is what to submit for approval, with the provider's own placeholder syntax) and its id is
configured per provider in ``SMS_TEMPLATE_IDS`` (``{"otp": {"tencent": "1234567",
"aliyun": "SMS_123456789"}, …}``).

Variable limits, from the providers' rules:
- Tencent Cloud (正文模板审核标准 / 变量规范): a verification-code variable holds at most 6
  digits; any other variable at most 6 characters (Chinese, letters, digits, punctuation and
  spaces each count one); a link never goes in a variable.
- Alibaba Cloud (短信模板规范): each variable at most 35 characters; a verification code 4–6
  digits; no link in a variable.
A case or appeal number is longer than Tencent's six characters: the templates speak of "尾号"
(the number's last six characters), which identifies the message to its reader and gives a
stranger nothing to look up (a look-up also needs the query code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = "digits"  # a verification code or a count: digits only, never cut
TAIL = "tail"  # an identifier: its last characters
TEXT = "text"  # words: cut with "…" when too long
WHOLE = "whole"  # a code that must arrive whole (a query code): never cut

LIMITS = {  # provider → (digits, text) maximum lengths
    "tencent": (6, 6),
    "aliyun": (6, 35),
}


def limits(provider: str) -> tuple[int, int]:
    """(digits, text) limits for ``provider``; ``settings.SMS_VARIABLE_LIMITS`` overrides them
    for an account the provider has granted longer variables."""
    from django.conf import settings

    custom = getattr(settings, "SMS_VARIABLE_LIMITS", {}) or {}
    return tuple(custom.get(provider) or LIMITS.get(provider) or LIMITS["tencent"])


_LINK = re.compile(r"(https?://|www\.)", re.I)


class TemplateError(ValueError):
    """The variables cannot make a valid message for this template and provider."""


@dataclass(frozen=True)
class Param:
    name: str
    kind: str = TEXT


@dataclass(frozen=True)
class SmsTemplate:
    key: str
    text: str  # {name} placeholders; the wording to register with the provider
    params: tuple[Param, ...]
    description: str = ""

    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def fit(self, provider: str, values: dict) -> dict[str, str]:
        """The variables for ``provider``, each within its limit; TemplateError when one is
        missing, is not what its kind allows, or carries a link."""
        digits_max, text_max = limits(provider)
        fitted: dict[str, str] = {}
        for param in self.params:
            raw = values.get(param.name)
            value = "" if raw is None else str(raw).strip()
            if not value:
                raise TemplateError(f"{self.key}: variable {param.name!r} is empty")
            if _LINK.search(value):
                raise TemplateError(f"{self.key}: variable {param.name!r} carries a link")
            if param.kind == DIGITS:
                if not value.isascii() or not value.isdigit():
                    raise TemplateError(f"{self.key}: {param.name!r} must be digits")
                if len(value) > digits_max:
                    raise TemplateError(
                        f"{self.key}: {param.name!r} has {len(value)} digits, at most {digits_max}"
                    )
            elif param.kind == WHOLE:
                if len(value) > text_max:
                    raise TemplateError(
                        f"{self.key}: {param.name!r} has {len(value)} characters, at most {text_max}"
                    )
            elif param.kind == TAIL:
                value = value[-text_max:]
            elif len(value) > text_max:
                value = value[: text_max - 1] + "…"
            fitted[param.name] = value
        return fitted

    def render(self, values: dict[str, str], sign_name: str = "") -> str:
        """The message as the phone shows it: 【签名】 and the text with its variables."""
        body = self.text.format(**values)
        return f"【{sign_name}】{body}" if sign_name else body


TEMPLATES: dict[str, SmsTemplate] = {
    t.key: t
    for t in (
        SmsTemplate(
            "otp",
            "您的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
            (Param("code", DIGITS), Param("minutes", DIGITS)),
            "一次性验证码(登录、绑定、核验)",
        ),
        SmsTemplate(
            "case_status",
            "您尾号{ref}的办件{status}，请登录政务服务网或公众号查看详情。",
            (Param("ref", TAIL), Param("status", TEXT)),
            "办件状态变化(受理、补正、办结、不予受理)",
        ),
        SmsTemplate(
            "appeal_status",
            "您尾号{ref}的诉求{status}，请登录政务服务网或公众号查看详情。",
            (Param("ref", TAIL), Param("status", TEXT)),
            "诉求状态变化(受理、答复、办结)",
        ),
        SmsTemplate(
            "query_code",
            "您的办件已提交，尾号{ref}，查询码{code}，请妥善保存。",
            (Param("ref", TAIL), Param("code", WHOLE)),
            "提交回执:编号尾号与查询码",
        ),
        SmsTemplate(
            "generic",
            "您有一条新的政务服务消息，请登录政务服务网或公众号查看。",
            (),
            "其他消息(不含变量)",
        ),
    )
}

# Notification category → template key; a category not listed goes out as "generic".
CATEGORY_TEMPLATES = {
    "case": "case_status",
    "appeals": "appeal_status",
    "appeal": "appeal_status",
}


def template_for(category: str) -> SmsTemplate:
    from django.conf import settings

    mapping = {**CATEGORY_TEMPLATES, **getattr(settings, "SMS_CATEGORY_TEMPLATES", {})}
    key = mapping.get(category or "") or mapping.get((category or "").split(".")[0]) or "generic"
    return TEMPLATES.get(key, TEMPLATES["generic"])
