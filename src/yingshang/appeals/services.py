"""Writes of the appeals app: one function per use case, each in a transaction.

State changes go through the tables in ``machines.py`` (the platform kit locks the row, checks
the edge and the actor through ``policies.py``, appends an ``AppealEvent`` and notifies after
commit); the functions here keep their names and keywords.
"""

import datetime
import logging
import uuid
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from stdnum.cn import uscc

from yingshang.core.models import Department, Division, Role, User
from yingshang.core.policies import staff_users
from yingshang.platform import lookup_codes, uploads
from yingshang.platform.transitions import Notice, send_notices
from yingshang.registry.models import is_valid_ric
from yingshang.workdays.calendar import add_working_days

from . import conf
from .classifier import NaiveBayes, active_model, evaluate, tokens_for
from .machines import AppealMachine as APPEALS
from .machines import CommitmentMachine as COMMITMENTS
from .models import (
    OPEN_STATUSES,
    SERVICE_OFFICE_KEY,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Appeal,
    AppealAttachment,
    AppealEvent,
    AppealType,
    AppellantKind,
    Channel,
    Commitment,
    CommitmentStatus,
    DispatchModel,
    Extension,
    QAQuestion,
    QASession,
    Status,
    Topic,
)
from .policies import policy
from .text import jaccard

logger = logging.getLogger("yingshang.appeals")

STAFF_CHANNELS = {Channel.HOTLINE, Channel.VISIT, Channel.QA_SESSION}


# --- helpers ---


def city() -> Division:
    return Division.objects.get(code=settings.YINGSHANG_CITY_CODE)


def service_office_department() -> Department | None:
    return Department.objects.filter(
        division__code=settings.YINGSHANG_CITY_CODE, function_key=SERVICE_OFFICE_KEY
    ).first()


def stored_language():
    """Records (events, reasons) are written in the site's default language, whatever language
    the request that caused them was in; error messages follow the request's language."""
    return override(settings.LANGUAGE_CODE)


def _actor_label(user) -> tuple[str, str]:
    with stored_language():
        return _actor_label_inner(user)


def _actor_label_inner(user) -> tuple[str, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return "", _("诉求人")
    if user.role:
        return str(user), user.get_role_display()
    if user.is_superuser:
        return str(user), _("系统管理员")
    return str(user), _("诉求人")


def _event(appeal, action, from_state, user=None, note="", at=None, data=None, role=""):
    """An event outside the table (submission, repeat, extension request, instruction)."""
    fields = {"department": getattr(user, "department", None)}
    if role:
        fields.update(actor_role=role, actor_name=_actor_label(user)[0])
    return APPEALS.record(
        appeal, action, from_state, appeal.status, actor=user, note=note, at=at, data=data, **fields
    )


def _notify(recipient, title, body="", link="", category="appeals", data=None):
    """Notify after commit through the notification centre (the platform kit's queue); a failure
    is logged, never lost silently, and never undoes the appeal step."""
    send_notices([Notice(recipient, title, body, link, category, data or {})])


def _notify_department(department, title, body="", link=""):
    if department is None:
        return
    for user in User.objects.filter(
        department=department, role__in=[Role.HANDLER, Role.DEPT_HEAD], is_active=True
    ):
        _notify(user, title, body, link)


def _notify_service_office(title, body="", link=""):
    dept = service_office_department()
    if dept is None:
        return
    for user in staff_users().filter(department=dept, is_active=True):
        _notify(user, title, body, link)


def _notify_appellant(appeal, title, body=""):
    if appeal.applicant_user_id:
        _notify(
            appeal.applicant_user,
            title,
            body,
            f"/appeals/{appeal.number}/",
            data={"number": appeal.number, "status_label": str(appeal.get_status_display())},
        )


def _require_service_office(user):
    policy.check(user, "office")


def _due(start, days):
    result = add_working_days(start, days)
    return result.due, result.provisional


# --- submit ---


def _validate_submission(data: dict) -> dict:
    errors: dict[str, list[str]] = {}

    def err(field, message):
        errors.setdefault(field, []).append(message)

    kind = data.get("appellant_kind")
    if kind not in AppellantKind.values:
        err("appellant_kind", _("请选择诉求人类型（企业或个人）。"))
    if kind == AppellantKind.ENTERPRISE:
        code = (data.get("uscc") or "").strip().upper()
        data["uscc"] = code
        if not code:
            err("uscc", _("请填写统一社会信用代码。"))
        elif not uscc.is_valid(code):
            err("uscc", _("统一社会信用代码“%(v)s”无效。") % {"v": code})
        if not (data.get("enterprise_name") or "").strip():
            err("enterprise_name", _("请填写企业名称。"))
    elif kind == AppellantKind.PERSON:
        if not (data.get("person_name") or "").strip():
            err("person_name", _("请填写姓名。"))
        idn = (data.get("id_number") or "").strip().upper()
        data["id_number"] = idn
        if idn and not is_valid_ric(idn):
            err("id_number", _("居民身份证号码无效。"))
    if not (data.get("contact_name") or "").strip():
        err("contact_name", _("请填写联系人。"))
    phone = "".join(ch for ch in (data.get("contact_phone") or "") if ch.isdigit() or ch == "-")
    data["contact_phone"] = phone
    if not phone:
        err("contact_phone", _("请填写联系电话。"))
    elif len(phone.replace("-", "")) < 7:
        err("contact_phone", _("联系电话格式不正确。"))
    if data.get("appeal_type") not in AppealType.values:
        err("appeal_type", _("请选择诉求类型。"))
    if data.get("topic") not in Topic.values:
        err("topic", _("请选择诉求领域。"))
    if not (data.get("text") or "").strip():
        err("text", _("请填写诉求内容。"))
    elif len(data["text"].strip()) < 5:
        err("text", _("诉求内容过短，请具体描述问题。"))
    elif len(data["text"].strip()) > TEXT_MAX_LENGTH:
        err("text", _("诉求内容不能超过 %(n)d 个字。") % {"n": TEXT_MAX_LENGTH})
    if len((data.get("title") or "").strip()) > TITLE_MAX_LENGTH:
        err("title", _("标题不能超过 %(n)d 个字。") % {"n": TITLE_MAX_LENGTH})
    if data.get("channel") not in Channel.values:
        err("channel", _("来源渠道无效。"))
    if errors:
        raise ValidationError(errors)
    return data


def submit_appeal(*, user=None, files=(), now=None, qa_session=None, **data) -> Appeal:
    """Raise an appeal (portal, API or staff entry). ``user`` is the portal user (or None for an
    anonymous appellant) or, for hotline/visit/Q&A entry, the staff member who records it.
    Attachments go through the upload service (checked by content, count and size; staged
    until commit, removed if this fails)."""
    with uploads.cleanup_on_error(), transaction.atomic():
        return _submit_appeal(user=user, files=files, now=now, qa_session=qa_session, **data)


def send_query_code(appeal_id: int) -> bool:
    """The submission receipt by SMS (template ``query_code``): the number's tail and the
    查询码, derived now and never stored; a failure is logged (the code is on the receipt page)."""
    from yingshang.notifications.public import SmsError, mainland_mobile, send_sms

    appeal = Appeal.objects.get(pk=appeal_id)
    try:
        send_sms(
            phone=mainland_mobile(appeal.contact_phone),
            template="query_code",
            values={"ref": appeal.number, "code": appeal.lookup_code},
        )
    except SmsError as exc:
        logger.warning("query code SMS for %s not sent: %s", appeal.number, exc)
        return False
    return True


def _submit_appeal(*, user, files, now, qa_session, **data) -> Appeal:
    now = now or timezone.now()
    data = _validate_submission(dict(data))
    channel = data["channel"]
    staff_entry = channel in STAFF_CHANNELS
    if staff_entry and not (user is not None and user.is_authenticated and user.is_staff_member):
        raise ValidationError({"channel": _("热线、来访和政企面对面诉求只能由工作人员录入。")})
    checked = uploads.check_all(files, uploads.APPEAL_ATTACHMENT)

    enterprise = None
    if data["appellant_kind"] == AppellantKind.ENTERPRISE:
        from yingshang.registry.models import Enterprise

        enterprise = Enterprise.objects.filter(uscc=data["uscc"]).first()
    title = (data.get("title") or "").strip() or data["text"].strip()[:30]
    tokens = tokens_for(title, data["text"])
    sign_due, _prov = _due(now, conf.sign_days())
    appeal = Appeal(
        number=f"T{uuid.uuid4().hex[:18]}",
        appellant_kind=data["appellant_kind"],
        enterprise=enterprise,
        uscc=data.get("uscc", "") if data["appellant_kind"] == AppellantKind.ENTERPRISE else "",
        enterprise_name=(data.get("enterprise_name") or "").strip()
        if data["appellant_kind"] == AppellantKind.ENTERPRISE
        else "",
        person_name=(data.get("person_name") or "").strip(),
        id_number=data.get("id_number", "") or "",
        contact_name=data["contact_name"].strip(),
        contact_phone=data["contact_phone"],
        applicant_user=None
        if staff_entry or not getattr(user, "is_authenticated", False)
        else user,
        channel=channel,
        appeal_type=data["appeal_type"],
        topic=data["topic"],
        title=title[:120],
        text=data["text"].strip(),
        tokens=" ".join(tokens),
        division=city(),
        submitted_at=now,
        sign_due=sign_due,
        qa_session=qa_session,
        lookup_seed=lookup_codes.new_seed(),
    )
    appeal.save()
    appeal.number = appeal_number(appeal.pk, now)
    Appeal.objects.filter(pk=appeal.pk).update(number=appeal.number)
    from yingshang.notifications.public import sms_configured

    if sms_configured() and appeal.contact_phone:
        transaction.on_commit(partial(send_query_code, appeal.pk), robust=True)
    for c in checked:
        stored = uploads.store(c, uploads.APPEAL_ATTACHMENT)
        AppealAttachment.objects.create(
            appeal=appeal,
            file=stored.name,
            original_name=stored.original_name or stored.name.rsplit("/", 1)[1],
            kind=stored.kind,
            size=stored.size,
        )
    with stored_language():
        channel_label, appellant_role = str(Channel(channel).label), _("诉求人")
    _event(
        appeal,
        "submit",
        "",
        user if staff_entry else None,
        note=channel_label,
        at=now,
        role="" if staff_entry else appellant_role,
    )
    suggest = suggest_departments(tokens)
    repeat = find_repeat(appeal, set(tokens), now)
    Appeal.objects.filter(pk=appeal.pk).update(suggestions=suggest)
    appeal.suggestions = suggest
    if repeat is not None:
        other, score = repeat
        appeal.repeat_of, appeal.repeat_score = other, round(score, 3)
        Appeal.objects.filter(pk=appeal.pk).update(
            repeat_of=other, repeat_score=appeal.repeat_score
        )
        _event(
            appeal,
            "repeat",
            appeal.status,
            None,
            note=_repeat_note(other.number, score),
            at=now,
            data={"repeat_of": other.number, "score": appeal.repeat_score},
        )
    _notify_service_office(
        _("新诉求待签收：%(n)s") % {"n": appeal.number},
        appeal.title,
        f"/staff/appeals/{appeal.pk}/",
    )
    return appeal


def _repeat_note(number, score) -> str:
    with stored_language():
        return _("与诉求 %(n)s 相似度 %(s).0f%%") % {"n": number, "s": score * 100}


def _appellant_role() -> str:
    with stored_language():
        return _("诉求人")


def appeal_number(pk: int, when: datetime.datetime) -> str:
    return f"SQ{timezone.localtime(when):%Y%m%d}{pk:06d}"


def find_repeat(appeal, tokens: set[str], now=None):
    """The most similar open or recent (30 days) appeal of the same appellant, if any is at
    least ``APPEAL_REPEAT_THRESHOLD`` similar (Jaccard of jieba token sets)."""
    now = now or timezone.now()
    if appeal.appellant_kind == AppellantKind.ENTERPRISE:
        same = Q(uscc=appeal.uscc)
    elif appeal.id_number:
        same = Q(id_number=appeal.id_number)
    else:
        same = Q(contact_phone=appeal.contact_phone, appellant_kind=AppellantKind.PERSON)
    since = now - datetime.timedelta(days=conf.repeat_window_days())
    candidates = (
        Appeal.objects.filter(same)
        .filter(Q(status__in=OPEN_STATUSES) | Q(submitted_at__gte=since))
        .exclude(pk=appeal.pk)
        .order_by("-submitted_at")
        .only("id", "number", "tokens")[:200]
    )
    best = None
    for other in candidates:
        score = jaccard(tokens, set(other.tokens.split()))
        if score >= conf.repeat_threshold() and (best is None or score > best[1]):
            best = (other, score)
    return best


# --- dispatch suggestion ---


def suggest_departments(tokens: list[str], k: int = 3) -> list[dict]:
    model = active_model()
    if model is None or not tokens:
        return []
    ranked = model.top(tokens, k)
    names = dict(
        Department.objects.filter(pk__in=[d for d, _p in ranked]).values_list("pk", "name")
    )
    return [
        {"department": d, "name": names.get(d, str(d)), "confidence": round(p, 3)}
        for d, p in ranked
        if d in names
    ]


def training_examples():
    rows = (
        Appeal.objects.filter(lead_department__isnull=False)
        .exclude(tokens="")
        .order_by("pk")
        .values_list("tokens", "lead_department_id")
    )
    docs, labels = [], []
    for tokens, dept in rows.iterator(chunk_size=2000):
        docs.append(tokens.split())
        labels.append(dept)
    return docs, labels


@transaction.atomic
def train_dispatch_model(test_share: float = 0.2, seed: int = 2019) -> dict:
    """Measure on a held-out share, then train on every past dispatch and store the model."""
    docs, labels = training_examples()
    if len(set(labels)) < 2 or len(docs) < 10:
        raise ValidationError(
            {"model": _("历史交办记录不足（至少需要10条、2个部门），无法训练分办模型。")}
        )
    metrics = evaluate(docs, labels, test_share=test_share, seed=seed)
    model = NaiveBayes.fit(docs, labels)
    row = DispatchModel.objects.create(
        n_train=metrics["n_train"],
        n_test=metrics["n_test"],
        top1=metrics["top1"],
        top3=metrics["top3"],
        blob=model.dumps(),
    )
    metrics.update(model_id=row.pk, n_total=len(docs), n_labels=len(set(labels)))
    return metrics


# --- workflow ---


def sign(appeal, user, note="", now=None) -> Appeal:
    return APPEALS.transition(appeal, "sign", actor=user, note=note, now=now)


def dispatch(appeal, user, lead_department, co_departments=(), note="", now=None) -> Appeal:
    """交办 to a lead department (+ co-handlers). The time limit by type starts now."""
    action = "redispatch" if appeal.lead_department_id else "dispatch"
    return APPEALS.transition(
        appeal,
        action,
        actor=user,
        note=note,
        now=now,
        lead_department=lead_department,
        co_departments=co_departments,
    )


def reply(appeal, user, text, now=None) -> Appeal:
    return APPEALS.transition(appeal, "reply", actor=user, note=text or "", now=now)


@transaction.atomic
def request_extension(appeal, user, days, reason, now=None) -> Extension:
    now = now or timezone.now()
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    policy.check(user, "lead", appeal)
    APPEALS.require(appeal, "extend")
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if days <= 0:
        raise ValidationError({"days": _("延期天数必须是正整数。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写延期理由。")})
    if appeal.extensions.filter(state=Extension.State.PENDING).exists():
        raise ValidationError({"days": _("已有待审批的延期申请。")})
    limit = conf.max_extension_days()
    if appeal.extension_days + days > limit:
        raise ValidationError(
            {
                "days": _("延期超过上限：累计最多延期 %(max)d 个工作日，已延期 %(used)d 个工作日。")
                % {"max": limit, "used": appeal.extension_days}
            }
        )
    ext = Extension.objects.create(
        appeal=appeal, days=days, reason=reason.strip(), requested_by=user, requested_at=now
    )
    _event(appeal, "extend_request", appeal.status, user, reason, now, data={"days": days})
    _notify_service_office(
        _("诉求 %(n)s 申请延期 %(d)d 个工作日") % {"n": appeal.number, "d": days},
        reason,
        f"/staff/appeals/{appeal.pk}/",
    )
    return ext


@transaction.atomic
def decide_extension(extension, user, approve: bool, note="", now=None) -> Extension:
    _require_service_office(user)
    now = now or timezone.now()
    ext = Extension.objects.select_for_update().get(pk=extension.pk)
    if ext.state != Extension.State.PENDING:
        raise ValidationError({"extension": _("该延期申请已处理。")})
    ext.decided_by, ext.decided_at = user, now
    if approve:
        appeal = APPEALS.transition(
            ext.appeal, "extend", actor=user, note=note, now=now, days=ext.days
        )
        ext.state = Extension.State.APPROVED
    else:
        appeal = Appeal.objects.select_for_update().get(pk=ext.appeal_id)
        ext.state = Extension.State.REFUSED
        _event(appeal, "extend_refused", appeal.status, user, note, now, data={"days": ext.days})
    ext.save()
    _notify_department(
        appeal.lead_department,
        _("诉求 %(n)s 延期申请：%(r)s") % {"n": appeal.number, "r": ext.get_state_display()},
        note,
        f"/staff/appeals/{appeal.pk}/",
    )
    return ext


def _notify_leaders(appeal, reason):
    for leader in User.objects.filter(role=Role.LEADER, division=city(), is_active=True):
        _notify(
            leader,
            _("诉求 %(n)s 已升级市领导督办") % {"n": appeal.number},
            reason,
            f"/staff/appeals/{appeal.pk}/",
        )


def escalate(appeal, user=None, reason="", now=None) -> Appeal:
    """升级到市领导督办清单 — by the service office, by the appellant (unresolved), or by the
    overdue sweep (``user`` None)."""
    return APPEALS.transition(appeal, "escalate", actor=user, note=reason or "", now=now)


def check_appellant(appeal, user, verified: bool = False):
    """The appellant: the portal account that raised it, or a visitor who proved the appeal
    number and the last four digits of the contact phone (``verified``)."""
    if not verified:
        policy.check(user, "appellant", appeal)


@transaction.atomic
def confirm(appeal, user, resolved: bool, next_step="reopen", note="", verified=False, now=None):
    """The appellant's verdict on the reply: resolved → closed; not resolved → reopened (the
    limit restarts) or escalated to the city leadership list."""
    now = now or timezone.now()
    actor = user if getattr(user, "is_authenticated", False) else None
    if resolved:
        check_appellant(appeal, user, verified)
        return APPEALS.transition(appeal, "confirm", actor=actor, note=note, now=now, verified=True)
    check_appellant(appeal, user, verified)
    if next_step not in {"reopen", "escalate"}:
        raise ValidationError({"next_step": _("请选择重新办理或提请市领导督办。")})
    if next_step == "escalate":
        locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
        locked.resolved = False
        locked.save()
        with stored_language():
            reason = _("企业确认未解决：%(note)s") % {"note": note}
        return escalate(locked, None, reason, now)
    return APPEALS.transition(appeal, "reopen", actor=actor, note=note, now=now, verified=True)


@transaction.atomic
def instruct(appeal, user, note, now=None) -> AppealEvent:
    """市领导批示 on an escalated appeal: recorded as an event, sent to the lead department."""
    policy.check(user, "instruct")
    if not (note or "").strip():
        raise ValidationError({"note": _("请填写批示内容。")})
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.escalated_at is None:
        raise ValidationError({"status": _("只有已升级督办的诉求可以批示。")})
    ev = _event(appeal, "instruct", appeal.status, user, note, now)
    _notify_department(
        appeal.lead_department, _("市领导对诉求 %(n)s 作出批示") % {"n": appeal.number}, note
    )
    return ev


def sweep_overdue(now=None) -> dict:
    """Escalate every appeal past its sign or reply deadline, and mark overdue commitments.
    Each appeal in its own transaction (one failure does not stop the sweep)."""
    with stored_language():
        return _sweep_overdue(now)


def _sweep_overdue(now=None) -> dict:
    now = now or timezone.now()
    unsigned = Appeal.objects.filter(status=Status.SUBMITTED, sign_due__lt=now).values_list(
        "pk", flat=True
    )
    unreplied = (
        Appeal.objects.filter(
            status__in=[Status.SIGNED, Status.DISPATCHED], escalated_at__isnull=True
        )
        .filter(Q(due_at__lt=now) | Q(status=Status.SIGNED, sign_due__lt=now))
        .values_list("pk", flat=True)
    )
    result = {"escalated": 0, "commitments_overdue": 0}
    for pk, reason in [(pk, _("逾期未签收")) for pk in unsigned] + [
        (pk, _("逾期未办结")) for pk in unreplied
    ]:
        try:
            escalate(Appeal(pk=pk), None, reason, now)
            result["escalated"] += 1
        except ValidationError:
            continue  # changed meanwhile
    today = timezone.localdate(now)
    for c in Commitment.objects.filter(
        status__in=[CommitmentStatus.PENDING, CommitmentStatus.IN_PROGRESS], deadline__lt=today
    ):
        try:
            commitment_step(c, None, "overdue", _("超过承诺时限"), now=now)
            result["commitments_overdue"] += 1
        except ValidationError:
            continue
    return result


# --- staff entry helpers and Q&A sessions ---


@transaction.atomic
def create_session(
    *, user, title, date, theme, venue="", leaders="", departments=(), enterprises=()
):
    _require_service_office(user)
    if not (title or "").strip() or not (theme or "").strip():
        raise ValidationError({"title": _("请填写场次名称和主题。")})
    s = QASession.objects.create(
        title=title, date=date, theme=theme, venue=venue, leaders=leaders, division=city()
    )
    s.departments.set(departments)
    s.enterprises.set(enterprises)
    return s


@transaction.atomic
def add_question(
    session,
    *,
    user,
    question,
    answering_department,
    answer="",
    enterprise=None,
    asker="",
    commitment=None,
    now=None,
) -> QAQuestion:
    """Record a question and its answer; ``commitment`` = {"content", "deadline"} when the
    answer promises action (the owner is the answering department)."""
    _require_service_office(user)
    if not (question or "").strip():
        raise ValidationError({"question": _("请填写问题。")})
    if answering_department is None:
        raise ValidationError({"answering_department": _("请选择答复部门。")})
    q = QAQuestion.objects.create(
        session=session,
        order=session.questions.count() + 1,
        enterprise=enterprise,
        asker=asker,
        question=question.strip(),
        answering_department=answering_department,
        answer=(answer or "").strip(),
    )
    if commitment:
        if not (commitment.get("content") or "").strip():
            raise ValidationError({"commitment": _("请填写承诺内容。")})
        if not commitment.get("deadline"):
            raise ValidationError({"deadline": _("请填写承诺完成时限。")})
        c = Commitment.objects.create(
            session=session,
            question=q,
            content=commitment["content"].strip(),
            owner_department=answering_department,
            deadline=commitment["deadline"],
            division=answering_department.division,
        )
        COMMITMENTS.record(c, "create", "", c.status, actor=user, at=now)
        _notify_department(
            answering_department,
            _("政企面对面承诺事项待落实"),
            c.content,
            "/staff/appeals/commitments/",
        )
    return q


def commitment_step(commitment, user, action, note="", now=None) -> Commitment:
    """Move a commitment along its table (``machines.CommitmentMachine``). The owner department
    reports progress and completion; the service office verifies (销号) or rejects; the sweep
    marks overdue."""
    return COMMITMENTS.transition(commitment, action, actor=user, note=note or "", now=now)
