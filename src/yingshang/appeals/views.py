"""Pages of the appeals app: the portal (raise, follow, confirm, rate; Q&A session records) and
the staff workbench (queues with deadline colours, the appeal page with its actions)."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingshang.core.models import Department
from yingshang.core.views import staff_required

from . import selectors, services
from .api import portal_lookup
from .models import (
    Appeal,
    AppealAttachment,
    AppealType,
    AppellantKind,
    Channel,
    Commitment,
    CommitmentStatus,
    Extension,
    QAQuestion,
    QASession,
    Status,
    Topic,
    is_service_office,
)

ACCESS_KEY = "appeal_access"
SUBJECT_KEY = "evaluation_subjects"  # shared with the evaluations app (see docs/evaluations.md)
FORM_FIELDS = [
    "appellant_kind",
    "uscc",
    "enterprise_name",
    "person_name",
    "id_number",
    "contact_name",
    "contact_phone",
    "appeal_type",
    "topic",
    "title",
    "text",
]


def _errors(exc: ValidationError) -> dict:
    if not hasattr(exc, "error_dict"):
        return {"non_field": exc.messages}
    errors = dict(exc.message_dict)
    if "__all__" in errors:
        errors["non_field"] = errors.pop("__all__")
    return errors


def _grant(request, appeal):
    """Remember in the session that this visitor proved they raised ``appeal``."""
    from yingshang.evaluations.services import subject_key

    ids = set(request.session.get(ACCESS_KEY, []))
    ids.add(appeal.pk)
    request.session[ACCESS_KEY] = sorted(ids)
    keys = set(request.session.get(SUBJECT_KEY, []))
    keys.add(subject_key(appeal))
    request.session[SUBJECT_KEY] = sorted(keys)


def _verified(request, appeal) -> bool:
    return appeal.pk in request.session.get(ACCESS_KEY, [])


def _portal_appeal(request, number) -> tuple[Appeal, bool]:
    appeal = Appeal.objects.filter(number=number).select_related("lead_department").first()
    if appeal is None:
        raise Http404
    own = request.user.is_authenticated and appeal.applicant_user_id == request.user.pk
    verified = _verified(request, appeal)
    if not (own or verified):
        raise Http404
    return appeal, verified


def _form_context(**extra):
    return {
        "types": AppealType.choices,
        "topics": Topic.choices,
        "kinds": AppellantKind.choices,
        **extra,
    }


# --- portal ---


def portal_home(request):
    return render(
        request,
        "appeals/portal_home.html",
        {
            "mine": selectors.portal_appeals(request.user)[:20],
            "sessions": selectors.public_sessions(),
        },
    )


def portal_new(request):
    data = {}
    errors = {}
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in FORM_FIELDS}
        try:
            appeal = services.submit_appeal(
                user=request.user if request.user.is_authenticated else None,
                channel=Channel.PORTAL,
                files=request.FILES.getlist("attachments"),
                **data,
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            _grant(request, appeal)
            messages.success(
                request,
                _("诉求已提交,编号 %(n)s。请凭编号和联系电话后四位查询办理进度。")
                % {"n": appeal.number},
            )
            return redirect("appeals:portal-detail", number=appeal.number)
    if not data and request.user.is_authenticated and not request.user.role:
        data = {"contact_name": request.user.full_name, "contact_phone": request.user.phone}
        enterprise = request.user.enterprises.order_by("pk").first()
        if enterprise is not None:  # a portal account acting for a registered enterprise
            data.update(
                appellant_kind="enterprise", uscc=enterprise.uscc, enterprise_name=enterprise.name
            )
    if request.method == "GET" and (prefill := request.GET.get("text", "").strip()):
        data["text"] = prefill[:2000]  # a link from the WeChat account's 诉求 command
    return render(request, "appeals/portal_new.html", _form_context(data=data, errors=errors))


def portal_track(request):
    error = ""
    if request.method == "POST":
        appeal, _v = portal_lookup(
            request.POST.get("number", ""),
            request.POST.get("phone_last4", "").strip(),
            request.user,
        )
        if appeal is not None:
            _grant(request, appeal)
            return redirect("appeals:portal-detail", number=appeal.number)
        error = _("未找到该诉求,请核对诉求编号和联系电话后四位。")
    return render(request, "appeals/portal_track.html", {"error": error})


def portal_detail(request, number):
    appeal, _v = _portal_appeal(request, number)
    from yingshang.evaluations.models import DIMENSIONS, Evaluation, Level
    from yingshang.evaluations.services import subject_key

    info = appeal.evaluation_subject_info()
    rated = Evaluation.objects.filter(
        content_type_id=int(subject_key(appeal).split(":")[0]),
        object_id=str(appeal.pk),
        channel=info["channel"],
    ).first()
    return render(
        request,
        "appeals/portal_detail.html",
        {
            "appeal": appeal,
            "events": appeal.events.all(),
            "attachments": appeal.attachments.all(),
            "rated": rated,
            "levels": Level.choices,
            "dimensions": DIMENSIONS[info["channel"]],
            "errors": request.session.pop("appeal_errors", {}),
        },
    )


@require_POST
def portal_confirm(request, number):
    appeal, verified = _portal_appeal(request, number)
    try:
        services.confirm(
            appeal,
            request.user,
            request.POST.get("resolved") == "yes",
            request.POST.get("next_step", "reopen"),
            request.POST.get("note", ""),
            verified=verified,
        )
        messages.success(request, _("已提交您的确认。"))
    except ValidationError as exc:
        request.session["appeal_errors"] = _errors(exc)
    return redirect("appeals:portal-detail", number=appeal.number)


@require_POST
def portal_rate(request, number):
    from yingshang.evaluations.models import DIMENSIONS
    from yingshang.evaluations.services import submit_evaluation

    appeal, verified = _portal_appeal(request, number)
    channel = appeal.evaluation_subject_info()["channel"]
    dims = {k: request.POST.get(f"dim_{k}", "") for k, _l in DIMENSIONS[channel]}
    try:
        submit_evaluation(
            appeal,
            request.user,
            request.POST.get("level"),
            dims,
            request.POST.get("comment", ""),
            verified=verified,
        )
        messages.success(request, _("感谢您的评价。"))
    except ValidationError as exc:
        request.session["appeal_errors"] = _errors(exc)
    return redirect("appeals:portal-detail", number=appeal.number)


def attachment_download(request, pk):
    """Attachments are served only here: to staff who can see the appeal, or to its appellant."""
    att = get_object_or_404(AppealAttachment.objects.select_related("appeal"), pk=pk)
    appeal = att.appeal
    allowed = (
        request.user.is_authenticated
        and request.user.is_staff_member
        and Appeal.objects.visible_to(request.user).filter(pk=appeal.pk).exists()
    ) or (
        (request.user.is_authenticated and appeal.applicant_user_id == request.user.pk)
        or _verified(request, appeal)
    )
    if not allowed:
        raise Http404
    content_type = {
        "pdf": "application/pdf",
        "jpg": "image/jpeg",
        "png": "image/png",
        "ofd": "application/ofd",
    }[att.kind]
    response = FileResponse(
        att.file.open("rb"),
        content_type=content_type,
        as_attachment=True,
        filename=att.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def session_list(request):
    sessions = selectors.public_sessions().prefetch_related("commitments")
    return render(request, "appeals/session_list.html", {"sessions": sessions})


def session_detail(request, pk):
    session = get_object_or_404(selectors.public_sessions(), pk=pk)
    questions = session.questions.select_related(
        "enterprise", "answering_department"
    ).prefetch_related(
        Prefetch("commitments", queryset=Commitment.objects.select_related("owner_department"))
    )
    counts = {s: 0 for s, _l in CommitmentStatus.choices}
    for c in session.commitments.all():
        counts[c.status] += 1
    return render(
        request,
        "appeals/session_detail.html",
        {
            "session": session,
            "questions": questions,
            "enterprises": session.enterprises.all(),
            "departments": session.departments.all(),
            "counts": [(CommitmentStatus(s).label, s, n) for s, n in counts.items()],
        },
    )


# --- staff ---


@staff_required
def queue(request):
    q = request.GET.get("q", "").strip()
    name = request.GET.get("queue", "") or ("sign" if is_service_office(request.user) else "open")
    qs = selectors.appeals_for(request.user, name, q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        (a, selectors.deadline_colour(selectors.appeal_due(a), now), selectors.appeal_due(a))
        for a in page
    ]
    return render(
        request,
        "appeals/queue.html",
        {
            "page": page,
            "rows": rows,
            "queue": name,
            "q": q,
            "queues": [
                ("sign", _("待签收/待交办")),
                ("open", _("办理中")),
                ("replied", _("已答复")),
                ("escalated", _("市领导督办")),
                ("closed", _("已办结")),
                ("all", _("全部")),
            ],
            "service_office": is_service_office(request.user),
        },
    )


@staff_required
def staff_detail(request, pk):
    appeal = Appeal.objects.get_visible_or_404(request.user, pk=pk)
    user = request.user
    office = is_service_office(user)
    is_lead = bool(appeal.lead_department_id) and (
        user.department_id == appeal.lead_department_id or user.is_superuser
    )
    departments = Department.objects.filter(
        is_active=True, kind__in=["government", "utility", "other"]
    ).select_related("division")
    return render(
        request,
        "appeals/staff_detail.html",
        {
            "appeal": appeal,
            "events": appeal.events.all(),
            "attachments": appeal.attachments.all(),
            "extensions": appeal.extensions.all(),
            "pending_extension": appeal.extensions.filter(state=Extension.State.PENDING).first(),
            "co_departments": appeal.co_departments.all(),
            "office": office,
            "is_lead": is_lead,
            "can": appeal.allowed_actions(),
            "departments": departments.order_by("division__path", "name"),
            "suggestions": appeal.suggestions
            or services.suggest_departments(appeal.tokens.split()),
            "colour": selectors.deadline_colour(selectors.appeal_due(appeal)),
            "due": selectors.appeal_due(appeal),
            "is_leader": user.role == "leader",
            "errors": request.session.pop("appeal_errors", {}),
        },
    )


@staff_required
@require_POST
def staff_action(request, pk, action):
    appeal = Appeal.objects.get_visible_or_404(request.user, pk=pk)
    user, post = request.user, request.POST
    note = post.get("note", "")
    try:
        if action == "sign":
            services.sign(appeal, user, note)
        elif action == "dispatch":
            lead = Department.objects.filter(pk=post.get("lead_department") or 0).first()
            co = Department.objects.filter(
                pk__in=[p for p in post.getlist("co_departments") if p.isdigit()]
            )
            services.dispatch(appeal, user, lead, list(co), note)
        elif action == "reply":
            services.reply(appeal, user, post.get("text", ""))
        elif action == "extend":
            services.request_extension(appeal, user, post.get("days"), post.get("reason", ""))
        elif action == "decide-extension":
            ext = get_object_or_404(Extension, pk=post.get("extension") or 0, appeal=appeal)
            services.decide_extension(ext, user, post.get("approve") == "yes", note)
        elif action == "escalate":
            if not note:
                with services.stored_language():
                    note = _("企业服务科提请督办")
            services.escalate(appeal, user, note)
        elif action == "instruct":
            services.instruct(appeal, user, note)
        else:
            raise Http404
        messages.success(request, _("操作成功。"))
    except ValidationError as exc:
        request.session["appeal_errors"] = _errors(exc)
    return redirect("appeals:staff-detail", pk=appeal.pk)


@staff_required
def staff_new(request):
    data, errors = {}, {}
    if request.method == "POST":
        if not (is_service_office(request.user) or request.user.role == "clerk"):
            raise PermissionDenied(_("只有企业服务科和窗口人员可以录入诉求。"))
        data = {k: request.POST.get(k, "") for k in FORM_FIELDS}
        try:
            appeal = services.submit_appeal(
                user=request.user,
                channel=request.POST.get("channel", ""),
                files=request.FILES.getlist("attachments"),
                **data,
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("诉求已登记,编号 %(n)s。") % {"n": appeal.number})
            return redirect("appeals:staff-detail", pk=appeal.pk)
    channels = [(c, Channel(c).label) for c in (Channel.HOTLINE, Channel.VISIT, Channel.QA_SESSION)]
    return render(
        request,
        "appeals/staff_new.html",
        _form_context(data=data, errors=errors, channels=channels),
    )


@staff_required
def commitments(request):
    status = request.GET.get("status", "")
    qs = selectors.commitments_for(request.user, status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "appeals/commitments.html",
        {
            "page": page,
            "status": status,
            "statuses": CommitmentStatus.choices,
            "office": is_service_office(request.user),
            "errors": request.session.pop("appeal_errors", {}),
        },
    )


@staff_required
@require_POST
def commitment_action(request, pk):
    c = Commitment.objects.get_visible_or_404(request.user, pk=pk)
    try:
        services.commitment_step(
            c, request.user, request.POST.get("action", ""), request.POST.get("note", "")
        )
        messages.success(request, _("操作成功。"))
    except ValidationError as exc:
        request.session["appeal_errors"] = _errors(exc)
    return redirect("appeals:commitments")


__all__ = ["QAQuestion", "Status"]


@staff_required
def staff_sessions(request):
    """The service office records Q&A sessions (政企面对面)."""
    from yingshang.registry.models import Enterprise

    errors, data = {}, {}
    if request.method == "POST":
        data = request.POST
        try:
            date = datetime.date.fromisoformat(request.POST.get("date", ""))
        except ValueError:
            errors = {"date": [_("请填写日期。")]}
        else:
            try:
                s = services.create_session(
                    user=request.user,
                    title=request.POST.get("title", ""),
                    date=date,
                    theme=request.POST.get("theme", ""),
                    venue=request.POST.get("venue", ""),
                    leaders=request.POST.get("leaders", ""),
                    departments=Department.objects.filter(
                        pk__in=[p for p in request.POST.getlist("departments") if p.isdigit()]
                    ),
                    enterprises=Enterprise.objects.filter(
                        uscc__in=request.POST.get("enterprises", "").split()
                    ),
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                return redirect("appeals:staff-session", pk=s.pk)
    return render(
        request,
        "appeals/staff_sessions.html",
        {
            "sessions": QASession.objects.visible_to(request.user),
            "departments": Department.objects.filter(division__code=services.city().code),
            "office": is_service_office(request.user),
            "errors": errors,
            "data": data,
        },
    )


@staff_required
def staff_session(request, pk):
    from yingshang.registry.models import Enterprise

    session = QASession.objects.get_visible_or_404(request.user, pk=pk)
    errors = {}
    if request.method == "POST":
        post = request.POST
        commitment = None
        if post.get("commitment_content") or post.get("commitment_deadline"):
            try:
                deadline = datetime.date.fromisoformat(post.get("commitment_deadline", ""))
            except ValueError:
                deadline = None
            commitment = {"content": post.get("commitment_content", ""), "deadline": deadline}
        try:
            services.add_question(
                session,
                user=request.user,
                question=post.get("question", ""),
                answering_department=Department.objects.filter(
                    pk=post.get("answering_department") or 0
                ).first(),
                answer=post.get("answer", ""),
                enterprise=Enterprise.objects.filter(uscc=post.get("enterprise", "")).first(),
                asker=post.get("asker", ""),
                commitment=commitment,
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("已记录。"))
            return redirect("appeals:staff-session", pk=session.pk)
    return render(
        request,
        "appeals/staff_session.html",
        {
            "session": session,
            "questions": session.questions.select_related("answering_department", "enterprise"),
            "departments": session.departments.all()
            or Department.objects.filter(division__code=services.city().code),
            "office": is_service_office(request.user),
            "errors": errors,
        },
    )
