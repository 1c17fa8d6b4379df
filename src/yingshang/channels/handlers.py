"""What the account answers: events (关注, 取消关注, menu clicks, QR scenes) and text commands
(查询 / 我的办件 / 诉求 / keyword search). Every answer is computed from a few indexed queries, well
within WeChat's 5-second limit."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.cases import public as cases_public
from yingshang.cases.models import Status
from yingshang.catalog import public as catalog_public
from yingshang.notifications.public import absolute_link
from yingshang.platform import ratelimit

from . import services
from .models import RefusalReason

QUERY_RE = re.compile(r"^查询\s+(\S+)\s+(\S+)\s*$")
APPEAL_RE = re.compile(r"^诉求\s*(.*)$", re.S)
MAX_SEARCH_RESULTS = 5


def lookup_case(number: str, code: str):
    """The case a 查询 command asks for, or None: its number and its 查询码 (the same check as
    the tracking page; the last digits of an ID number or phone open nothing)."""
    return cases_public.track(number, code)


NEXT_STEP = {
    Status.SUBMITTED: gettext_lazy("等待窗口预审。"),
    Status.PRECHECKING: gettext_lazy("窗口正在预审材料。"),
    Status.ACCEPTED: gettext_lazy("已受理，等待承办部门办理。"),
    Status.SUPPLEMENT: gettext_lazy("请按补正告知补交材料，补齐后继续办理。"),
    Status.IN_PROCESS: gettext_lazy("承办部门正在审查和决定。"),
    Status.PENDING_APPROVAL: gettext_lazy("承办部门已审核，等待部门负责人审批。"),
    Status.SUSPENDED: gettext_lazy("办理暂停（如现场勘查、专家评审），结束后继续计时。"),
    Status.COMPLETED: gettext_lazy("已办结，请领取结果并评价服务。"),
    Status.DELIVERED: gettext_lazy("结果已送达，欢迎评价服务。"),
    Status.REJECTED: gettext_lazy("不予受理，请查看告知书中的原因。"),
    Status.WITHDRAWN: gettext_lazy("申请已撤回。"),
}


def welcome() -> str:
    return _(
        "欢迎关注！菜单“办事服务”查找事项并在线申报，“我的办件”查看进度，“诉求直通车”"
        "反映问题。\n也可以直接发送：\n查询 办件编号 查询码\n诉求 您的问题\n或事项名称关键词。"
    )


def help_text() -> str:
    return _("发送“查询 办件编号 查询码”查询办件，“诉求 内容”反映问题，或发送事项关键词搜索。")


def bind_explanation() -> str:
    return _(
        "查看“我的办件”需要先将微信与政务服务网账号绑定（用手机验证码确认本人）：\n%(link)s\n"
        "也可以发送“查询 办件编号 查询码”查询单个办件。"
    ) % {"link": absolute_link(reverse("channels:oauth-start"))}


MY_CASES_SHOWN = 5


def answer_my_cases(openid: str) -> str:
    """我的办件: the bound person's latest cases with status and due date; the binding
    explanation for an unbound follower."""
    from . import binding

    user = binding.bound_user(openid) if openid else None
    if user is None:  # nothing is shown or stored; counted for supervisors after the commit
        services.count_refusal_after_commit(RefusalReason.UNBOUND)
        return bind_explanation()
    cases = list(cases_public.cases_of_applicant(user)[: MY_CASES_SHOWN + 1])
    if not cases:
        return _("您还没有办件。在菜单“办事服务”中查找事项并在线申报。")
    lines = [_("您最近的办件：")]
    for case in cases[:MY_CASES_SHOWN]:
        line = f"{case.number} {case.title}\n{case.get_status_display()}"
        if case.due_at and not case.is_finished:
            due = timezone.localdate(case.due_at).isoformat()
            line += " · " + _("承诺办结：%(date)s") % {"date": due}
        lines.append(line)
    link = absolute_link(
        reverse("channels:oauth-start") + "?" + urlencode({"next": reverse("cases:my-cases")})
    )
    if len(cases) > MY_CASES_SHOWN:
        lines.append(_("更多办件：%(link)s") % {"link": link})
    else:
        lines.append(_("查看详情：%(link)s") % {"link": link})
    return "\n".join(lines)


def tracking_link(number: str, code: str = "") -> str:
    query = {"number": number, **({"code": code} if code else {})}
    return absolute_link(reverse("cases:track") + "?" + urlencode(query))


def answer_query(number: str, code: str, openid: str = "") -> str:
    """查询 办件编号 查询码. Failed look-ups count per follower and per number, as on the
    tracking page (platform/ratelimit.py); over the limit the answer names the wait."""
    limit = ratelimit.Limit(None, "cases.track", target=number, client=f"openid:{openid}")
    try:
        limit.check()
    except ratelimit.RateLimited as exc:
        return ratelimit.message(exc.retry_after)
    case = lookup_case(number, code)
    limit.attempt(case is not None)
    if case is None:  # unknown number and wrong code answer alike
        return _("未找到办件：请核对办件编号和查询码。")
    lines = [
        _("办件 %(number)s:%(title)s") % {"number": case.number, "title": case.title},
        _("状态：%(status)s") % {"status": case.get_status_display()},
    ]
    if case.due_at and not case.is_finished:
        lines.append(
            _("承诺办结：%(date)s") % {"date": timezone.localdate(case.due_at).isoformat()}
        )
    lines.append(_("下一步：%(step)s") % {"step": str(NEXT_STEP.get(case.status, ""))})
    lines.append(tracking_link(case.number, case.lookup_code))
    return "\n".join(lines)


def answer_appeal(text: str) -> str:
    text = text.strip()[:500]
    link = absolute_link(
        reverse("appeals:portal-new") + ("?" + urlencode({"text": text}) if text else "")
    )
    return _("请在诉求页面确认并补充联系方式后提交：\n%(link)s") % {"link": link}


def answer_search(q: str) -> str:
    q = q.strip()[:50]
    items = (
        [
            (i.name, i.implementation_code)
            for i in catalog_public.search_items(q, limit=MAX_SEARCH_RESULTS, record=True)
        ]
        if q
        else []
    )
    if not items:
        return _("没有找到与“%(q)s”相关的事项。") % {"q": q} + "\n" + help_text()
    lines = [_("与“%(q)s”相关的事项：") % {"q": q}]
    for index, (name, code) in enumerate(items, 1):
        lines.append(
            f"{index}. {name}\n{absolute_link(reverse('catalog:service-detail', args=[code]))}"
        )
    return "\n".join(lines)


def parse_command(content: str) -> tuple[str, tuple]:
    """Which command a text is — ``query``, ``my_cases``, ``appeal`` or ``search`` — and its
    arguments."""
    content = (content or "").strip()
    if match := QUERY_RE.match(content):
        return "query", (match.group(1), match.group(2))
    if content == "我的办件":
        return "my_cases", ()
    if match := APPEAL_RE.match(content):
        return "appeal", (match.group(1),)
    return "search", (content,)


def command_of(content: str) -> str:
    return parse_command(content)[0]


def deferred_commands() -> frozenset[str]:
    """Commands answered later through the customer-service message API instead of in the
    callback's reply (``WECHAT_DEFERRED_COMMANDS``; none by default: every answer today is a
    few indexed queries). A city whose catalogue search or a later command (a hall's queue
    ticket) cannot answer well inside WeChat's 5 seconds lists it here."""
    return frozenset(getattr(settings, "WECHAT_DEFERRED_COMMANDS", ()) or ())


def answer_text(content: str, openid: str = "") -> str:
    command, args = parse_command(content)
    if command == "query":
        return answer_query(*args, openid)
    if command == "my_cases":
        return answer_my_cases(openid)
    if command == "appeal":
        return answer_appeal(*args)
    return answer_search(*args)


def answer_scene(scene: str) -> str | None:
    """A QR scene value: ``case:<number>`` (the case notice's QR) opens its tracking."""
    if scene.startswith("case:"):
        number = scene[5:].strip()
        if number:
            return _("办件 %(number)s 的办理进度：\n%(link)s") % {
                "number": number,
                "link": tracking_link(number),
            }
    return None


MENU_KEYS = {
    "SEARCH": lambda: _("请发送事项名称关键词，例如“营业执照”。"),
    "MY_CASES": bind_explanation,
    "APPEAL": lambda: answer_appeal(""),
    "HELP": help_text,
}


def rate_limited() -> str:
    services.count_refusal_after_commit(RefusalReason.RATE)  # counted for supervisors
    return _("您发送得太频繁了，请稍后再试。")


def handle(message) -> str:
    """The text to answer a parsed wechatpy message with ("" = no reply, just "success")."""
    openid = message.source
    msg_type = message.type
    if msg_type == "event":
        event = message.event
        if event in ("subscribe", "subscribe_scan"):
            scene = getattr(message, "scene_id", "") or ""
            services.follow(openid, scene=scene)
            extra = answer_scene(scene) if scene else None
            return welcome() + ("\n\n" + extra if extra else "")
        if event == "unsubscribe":
            services.unfollow(openid)
            return ""
        if event == "scan":
            return answer_scene(str(getattr(message, "scene_id", "") or "")) or help_text()
        if event == "click":
            if not services.take_rate_slot(openid):
                return rate_limited()
            if message.key == "MY_CASES":
                return answer_my_cases(openid)
            return MENU_KEYS.get(message.key, help_text)()
        return ""
    if msg_type == "text":
        if not services.take_rate_slot(openid):
            return rate_limited()
        if command_of(message.content) in deferred_commands():
            # slow work: the task queue answers through the customer-service message API;
            # the callback answers "success" at once (WeChat waits 5 s, then retries)
            services.defer_answer(openid, message.content)
            return ""
        return answer_text(message.content, openid)
    if msg_type == "unknown":  # events wechatpy does not model: answered with "success" only
        data = getattr(message, "_data", {}) or {}
        if data.get("Event") == "subscribe_msg_sent_event":
            report = data.get("SubscribeMsgSentEvent") or {}
            services.record_push_reports(
                openid, report.get("List") if isinstance(report, dict) else None
            )
        if data.get("MsgType") == "event":
            return ""
    return help_text()
