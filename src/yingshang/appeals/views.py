"""Pages of the appeals app: the portal (raise, follow, confirm, rate; Q&A session records) and
the staff workbench (queues with deadline colours, the appeal page with its actions)."""

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingshang.core.policies import is_portal_user
from yingshang.core.views import staff_required
from yingshang.evaluations import public as evaluations
from yingshang.platform import ratelimit, uploads
from yingshang.platform.forms import error_dict
from yingshang.platform.forms import submit as _submit
from yingshang.registry import public as registry

from . import forms, selectors, services
from .models import (
    Appeal,
    AppealType,
    AppellantKind,
    Channel,
    CommitmentStatus,
    Extension,
    QAQuestion,
    Status,
    Topic,
    is_service_office,
)
from .policies import policy

ACCESS_KEY = "appeal_access"
SUBJECT_KEY = "evaluation_subjects"  # shared with the evaluations app (see docs/evaluations.md)
ERRORS_KEY = "appeal_errors"  # the messages of a form posted from a page that redirects back


def _submit_and_return(request, form, action, success) -> None:
    """For the small forms posted from a page that redirects back to itself: run it, flash the
    success message or keep the form's messages in the session for the page to show."""
    if _submit(form, action):
        messages.success(request, success)
    else:
        request.session[ERRORS_KEY] = error_dict(form)


def _grant(request, appeal):
    """Remember in the session that this visitor proved they raised ``appeal``."""
    subject_key = evaluations.subject_key

    ids = set(request.session.get(ACCESS_KEY, []))
    ids.add(appeal.pk)
    request.session[ACCESS_KEY] = sorted(ids)
    keys = set(request.session.get(SUBJECT_KEY, []))
    keys.add(subject_key(appeal))
    request.session[SUBJECT_KEY] = sorted(keys)


def _verified(request, appeal) -> bool:
    return appeal.pk in request.session.get(ACCESS_KEY, [])


def _portal_appeal(request, number) -> tuple[Appeal, bool]:
    appeal = selectors.portal_appeal(number)
    if appeal is None or appeal.number != number:
        raise Http404
    own = request.user.is_authenticated and appeal.applicant_user_id == request.user.pk
    verified = _verified(request, appeal)
    if not (own or verified):
        raise Http404
    return appeal, verified


def reply_times() -> list[dict]:
    """The reply time of each appeal type (appeals/conf.py: the 12345 limits, settings
    ``APPEAL_LIMIT_DAYS`` / ``APPEAL_SIGN_DAYS``), stated on the form."""
    from . import conf

    return [
        {"type": v, "label": label, "days": conf.limit_days(v), "sign": conf.sign_days()}
        for v, label in AppealType.choices
    ]


def _form_context(**extra):
    return {
        "reply_times": reply_times(),
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


def _raise_appeal(form, user, channel, kept=()):
    """Submit the appeal ``form`` through the service, with the attachments ``kept`` from an
    earlier try of the same form; the new appeal, or None (messages are on the form)."""
    return (
        form.result
        if _submit(
            form,
            lambda d: services.submit_appeal(
                user=user,
                channel=channel,
                files=[*kept, *d["attachments"]],
                **form.submission(),
            ),
        )
        else None
    )


# The portal form carries a random key (hidden ``form_key``, new on each blank form, the same
# while the form comes back with errors). It is the form's idempotency key: the appeal it made
# is remembered in the shared cache for a day, so a second POST of the same form — a double
# click, a reload, a retry after a dropped connection — opens that appeal instead of raising
# another. The attachments of a try that failed are kept in the session under the same key
# (their bytes as upload scratch files, an hour), so nothing sent is lost on an error.
KEPT_KEY = "appeal_kept"  # session: form key → [[file name, scratch token, size], …]
SUBMITTED_TTL = 24 * 3600
PENDING_TTL = 120
PENDING_WAIT = 10.0  # seconds a duplicate waits for the first POST of its form to finish


def _form_state(request) -> tuple[str, set[int]]:
    """The form's key (a new one for a blank or malformed form) and the kept attachments left
    out (forms.KeptForm)."""
    state = forms.KeptForm(request.POST if request.method == "POST" else None)
    state.is_valid()
    data = getattr(state, "cleaned_data", {})
    return data.get("form_key") or secrets.token_urlsafe(24), set(data.get("drop_kept") or ())


def _submitted(key: str) -> str | None:
    return cache.get(f"appeals:form:{key}:done")


def _kept(request, key: str) -> list[list]:
    """The attachments kept for form ``key`` that still exist (the sweep removes old ones)."""
    rows = request.session.get(KEPT_KEY, {}).get(key, [])
    return [r for r in rows if uploads.scratch_read(r[1]) is not None]


def _save_kept(request, key: str, rows: list[list]) -> None:
    stored = request.session.get(KEPT_KEY, {})
    if rows:
        stored[key] = rows
    else:
        stored.pop(key, None)
    request.session[KEPT_KEY] = stored


def _keep_attachments(request, key: str, drop: set[int]) -> list[list]:
    """After a failed try: the kept attachments the person did not remove, plus the files of
    this try that the upload service accepts (a refused file shows its error instead)."""
    rows = []
    for i, row in enumerate(_kept(request, key)):
        if i in drop:
            uploads.scratch_delete(row[1])
        else:
            rows.append(row)
    for f in request.FILES.getlist("attachments"):
        try:
            uploads.check(f, uploads.APPEAL_ATTACHMENT)
        except ValidationError:
            continue
        f.seek(0)
        name = Path(f.name).name
        rows.append([name, uploads.scratch_save(f.read(), Path(name).suffix), f.size])
    _save_kept(request, key, rows)
    return rows


def _kept_files(request, key: str, drop: set[int]) -> list:
    files = []
    for i, (name, scratch, _size) in enumerate(_kept(request, key)):
        data = uploads.scratch_read(scratch)
        if data is not None and i not in drop:
            files.append(SimpleUploadedFile(name, data))
    return files


def _already(request, key: str):
    """The appeal a first POST of this form made (waiting a moment if it is still running)."""
    deadline = time.monotonic() + PENDING_WAIT
    number = _submitted(key)
    while not number and cache.get(f"appeals:form:{key}:pending"):
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
        number = _submitted(key)
    appeal = selectors.portal_appeal(number) if number else None
    if appeal is None:
        return None
    if appeal.applicant_user_id and appeal.applicant_user_id != getattr(request.user, "pk", None):
        return None
    return appeal


def portal_new(request):
    form = forms.AppealForm(request.POST or None, request.FILES or None)
    data = form.data
    key, drop = _form_state(request)
    kept = []
    if request.method == "POST":
        user = request.user if request.user.is_authenticated else None
        if user is None:  # anonymous submissions: SUBMISSION_RATE per address
            limit = ratelimit.Limit(request, "appeals.submit", rate=settings.SUBMISSION_RATE)
            limit.check()
            limit.fail()
        if _submitted(key) or not cache.add(f"appeals:form:{key}:pending", 1, PENDING_TTL):
            appeal = _already(request, key)  # this form was sent before: its one appeal
            if appeal is not None:
                _grant(request, appeal)
                messages.info(
                    request, _("诉求已提交，编号 %(n)s，无需重复提交。") % {"n": appeal.number}
                )
                return redirect("appeals:portal-detail", number=appeal.number)
            cache.add(f"appeals:form:{key}:pending", 1, PENDING_TTL)
        appeal = _raise_appeal(form, user, Channel.PORTAL, kept=_kept_files(request, key, drop))
        if appeal is not None:
            cache.set(f"appeals:form:{key}:done", appeal.number, SUBMITTED_TTL)
            cache.delete(f"appeals:form:{key}:pending")
            for row in _kept(request, key):
                uploads.scratch_delete(row[1])
            _save_kept(request, key, [])
            _grant(request, appeal)
            messages.success(
                request,
                _("诉求已提交，编号 %(n)s。请记下本页的查询码，凭编号和查询码查询办理进度。")
                % {"n": appeal.number},
            )
            return redirect("appeals:portal-detail", number=appeal.number)
        cache.delete(f"appeals:form:{key}:pending")
        kept = _keep_attachments(request, key, drop)
    if not data and is_portal_user(request.user):
        data = {"contact_name": request.user.full_name, "contact_phone": request.user.phone}
        holders = [h for h in registry.holders_for_user(request.user) if hasattr(h, "uscc")]
        enterprise = holders[0] if holders else None
        if enterprise is not None:  # a portal account acting for a registered enterprise
            data.update(
                appellant_kind="enterprise", uscc=enterprise.uscc, enterprise_name=enterprise.name
            )
    prefill = forms.PrefillForm(request.GET if request.method == "GET" else None)
    if prefill.is_valid() and prefill.cleaned_data["text"]:
        data["text"] = prefill.cleaned_data["text"]  # a link from the WeChat account's 诉求 command
    return render(
        request,
        "appeals/portal_new.html",
        _form_context(
            form=form,
            data=data,
            errors=error_dict(form),
            form_key=key,
            kept=[{"name": n, "size": s} for n, _t, s in kept],
        ),
    )


def portal_track(request):
    """诉求查询: number + 查询码 (or the logged-in applicant). Failed look-ups are counted per
    address and per number (platform/ratelimit.py): the 21st within 10 minutes answers 429."""
    error = ""
    form = forms.TrackForm(request.POST or None)
    if request.method == "POST":
        limit = ratelimit.Limit(request, "appeals.track", target=form.data.get("number", ""))
        limit.check()
        appeal = None
        if form.is_valid():
            appeal, _v = selectors.portal_lookup(
                form.cleaned_data["number"], form.cleaned_data["code"], request.user
            )
        limit.attempt(appeal is not None)
        if appeal is not None:
            _grant(request, appeal)
            return redirect("appeals:portal-detail", number=appeal.number)
        error = _("未找到该诉求，请核对诉求编号和查询码。")
    return render(
        request,
        "appeals/portal_track.html",
        {"error": error, "form": form, "errors": error_dict(form)},
    )


def portal_detail(request, number):
    appeal, _v = _portal_appeal(request, number)
    return render(
        request,
        "appeals/portal_detail.html",
        {
            "appeal": appeal,
            "events": appeal.events.all(),
            "attachments": appeal.attachments.all(),
            "errors": request.session.pop(ERRORS_KEY, {}),
        },
    )


@require_POST
def portal_confirm(request, number):
    appeal, verified = _portal_appeal(request, number)
    _submit_and_return(
        request,
        forms.ConfirmForm(request.POST),
        lambda d: services.confirm(
            appeal,
            request.user,
            d["resolved"] == "yes",
            d["next_step"],
            d["note"],
            verified=verified,
        ),
        _("已提交您的确认。"),
    )
    return redirect("appeals:portal-detail", number=appeal.number)


@require_POST
def portal_rate(request, number):
    appeal, verified = _portal_appeal(request, number)
    form = evaluations.RatingForm(request.POST, channel=appeal.evaluation_subject_info()["channel"])
    _submit_and_return(
        request,
        form,
        lambda d: evaluations.submit_evaluation(
            appeal, request.user, d["level"], form.dimensions(), d["comment"], verified=verified
        ),
        _("感谢您的评价。"),
    )
    return redirect("appeals:portal-detail", number=appeal.number)


def attachment_download(request, pk):
    """Attachments are served only here: to staff who can see the appeal, or to its appellant."""
    att = selectors.attachment_for(pk)
    appeal = att.appeal
    allowed = (
        request.user.is_authenticated
        and request.user.is_staff_member
        and selectors.visible_appeals(request.user).filter(pk=appeal.pk).exists()
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
    questions = selectors.session_questions(session)
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
    filters = forms.QueueFilterForm(request.GET)
    q = filters.value("q", "")
    name = filters.value("queue") or ("sign" if is_service_office(request.user) else "open")
    qs = selectors.appeals_for(request.user, name, q, filters.value("status", ""))
    page = filters.page_of(qs)
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
            "can_enter": policy.can(request.user, "staff_entry"),
            "filter_form": filters,
        },
    )


@staff_required
def staff_detail(request, pk):
    appeal = selectors.appeal_for_staff(request.user, pk)
    user = request.user
    office = is_service_office(user)
    is_lead = bool(appeal.lead_department_id) and (
        user.department_id == appeal.lead_department_id or user.is_superuser
    )
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
            "departments": selectors.dispatch_departments(),
            "suggestions": appeal.suggestions
            or services.suggest_departments(appeal.tokens.split()),
            "colour": selectors.deadline_colour(selectors.appeal_due(appeal)),
            "due": selectors.appeal_due(appeal),
            "is_leader": policy.can(user, "instruct"),
            "errors": request.session.pop(ERRORS_KEY, {}),
        },
    )


def _escalate(appeal, user, note):
    if not note:
        with services.stored_language():
            note = _("企业服务科提请督办")
    return services.escalate(appeal, user, note)


@staff_required
@require_POST
def staff_action(request, pk, action):
    appeal = selectors.appeal_for_staff(request.user, pk)
    user = request.user
    if action not in forms.STAFF_ACTION_FORMS:
        raise Http404
    form = forms.STAFF_ACTION_FORMS[action](request.POST)
    if action == "decide-extension" and form.is_valid():
        ext = get_object_or_404(selectors.extensions_of(appeal), pk=form.cleaned_data["extension"])
    steps = {
        "sign": lambda d: services.sign(appeal, user, d["note"]),
        "dispatch": lambda d: services.dispatch(
            appeal, user, d["lead_department"], list(d["co_departments"]), d["note"]
        ),
        "reply": lambda d: services.reply(appeal, user, d["text"]),
        "extend": lambda d: services.request_extension(appeal, user, d["days"], d["reason"]),
        "decide-extension": lambda d: services.decide_extension(
            ext, user, d["approve"] == "yes", d["note"]
        ),
        "escalate": lambda d: _escalate(appeal, user, d["note"]),
        "instruct": lambda d: services.instruct(appeal, user, d["note"]),
    }
    _submit_and_return(request, form, steps[action], _("操作成功。"))
    return redirect("appeals:staff-detail", pk=appeal.pk)


@staff_required
def staff_new(request):
    form = forms.StaffAppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not policy.can(request.user, "staff_entry"):
            raise PermissionDenied(_("只有企业服务科和窗口人员可以录入诉求。"))
        appeal = _raise_appeal(form, request.user, form.data.get("channel", ""))
        if appeal is not None:
            messages.success(request, _("诉求已登记，编号 %(n)s。") % {"n": appeal.number})
            return redirect("appeals:staff-detail", pk=appeal.pk)
    channels = [(c, Channel(c).label) for c in forms.STAFF_ENTRY_CHANNELS]
    return render(
        request,
        "appeals/staff_new.html",
        _form_context(form=form, data=form.data, errors=error_dict(form), channels=channels),
    )


@staff_required
def commitments(request):
    filters = forms.CommitmentFilterForm(request.GET)
    status = filters.value("status", "")
    qs = selectors.commitments_for(request.user, status)
    page = filters.page_of(qs)
    return render(
        request,
        "appeals/commitments.html",
        {
            "page": page,
            "status": status,
            "statuses": CommitmentStatus.choices,
            "office": is_service_office(request.user),
            "errors": request.session.pop(ERRORS_KEY, {}),
            "filter_form": filters,
        },
    )


@staff_required
@require_POST
def commitment_action(request, pk):
    c = selectors.commitment_for_staff(request.user, pk)
    _submit_and_return(
        request,
        forms.CommitmentActionForm(request.POST),
        lambda d: services.commitment_step(c, request.user, d["action"], d["note"]),
        _("操作成功。"),
    )
    return redirect("appeals:commitments")


__all__ = ["QAQuestion", "Status"]


@staff_required
def staff_sessions(request):
    """The service office records Q&A sessions (政企面对面)."""
    form = forms.SessionForm(request.POST or None)
    if request.method == "POST" and _submit(
        form,
        lambda d: services.create_session(
            user=request.user,
            title=d["title"],
            date=d["date"],
            theme=d["theme"],
            venue=d["venue"],
            leaders=d["leaders"],
            departments=d["departments"],
            enterprises=d["enterprises"],
        ),
    ):
        return redirect("appeals:staff-session", pk=form.result.pk)
    return render(
        request,
        "appeals/staff_sessions.html",
        {
            "sessions": selectors.sessions_for(request.user),
            "departments": selectors.city_departments(),
            "office": is_service_office(request.user),
            "form": form,
            "errors": error_dict(form),
            "data": form.data,
        },
    )


@staff_required
def staff_session(request, pk):
    session = selectors.session_for_staff(request.user, pk)
    form = forms.QuestionForm(request.POST or None)
    if request.method == "POST" and _submit(
        form,
        lambda d: services.add_question(
            session,
            user=request.user,
            question=d["question"],
            answering_department=d["answering_department"],
            answer=d["answer"],
            enterprise=d["enterprise"],
            asker=d["asker"],
            commitment=form.commitment(),
        ),
    ):
        messages.success(request, _("已记录。"))
        return redirect("appeals:staff-session", pk=session.pk)
    return render(
        request,
        "appeals/staff_session.html",
        {
            "session": session,
            "questions": session.questions.select_related("answering_department", "enterprise"),
            "departments": session.departments.all() or selectors.city_departments(),
            "office": is_service_office(request.user),
            "form": form,
            "errors": error_dict(form),
        },
    )
