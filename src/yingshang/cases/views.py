"""Portal pages (apply, my cases, tracking), the staff workbench (queue, case, window intake,
trips) and the printable notices. Views validate input and call services; they never write
models directly."""

import base64
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingshang.catalog import public as catalog
from yingshang.core.models import Role
from yingshang.core.views import staff_required
from yingshang.platform import ratelimit, uploads
from yingshang.platform.clients import in_wechat, wechat_on_android
from yingshang.platform.forms import add_service_errors
from yingshang.platform.query import CappedPaginator
from yingshang.platform.urls import url_per_key
from yingshang.registry import public as registry

from . import forms, links, progress, selectors, services, sla, workflow
from .models import (
    Channel,
    MaterialSource,
    SlaState,
    Status,
    SuspendReason,
    VisitKind,
)

_apply_errors = add_service_errors


def _files(request) -> dict:
    return {
        name[len("material_") :]: f
        for name, f in request.FILES.items()
        if name.startswith("material_")
    }


def web_channel(request) -> str:
    """The channel of what a person sends from the portal: 微信公众号 when the page was opened in
    WeChat's in-app browser (the portal inside the official account), else 网上办理. The
    monitoring counts cases and 补正 answers by it (docs/monitoring.md, "Channel indicators")."""
    return Channel.WECHAT if in_wechat(request) else Channel.ONLINE


def _default_applicant(user) -> dict:
    holders = registry.holders_for_user(user)
    if not holders:
        return {"applicant_phone": user.phone}
    h = holders[0]
    if hasattr(h, "uscc"):
        return {
            "applicant_kind": "enterprise",
            "applicant_code": h.uscc,
            "applicant_name": h.name,
            "applicant_phone": h.phone,
        }
    return {
        "applicant_kind": "person",
        "applicant_code": h.id_number,
        "applicant_name": h.name,
        "applicant_phone": h.phone,
    }


def _slot_rows(slots, holder):
    reuse = services.reusable_licences(slots, holder)
    return [{"slot": s, "licence": reuse.get(s.key)} for s in slots]


def _apply(request, *, item=None, bundle=None):
    if request.user.is_staff_member:
        raise PermissionDenied(_("工作人员请使用综合窗口收件。"))
    versions = (
        [item.current_version]
        if item
        else [bi.item.current_version for bi in bundle.bundle_items.select_related("item")]
    )
    versions = [v for v in versions if v]
    slots = (
        services.bundle_material_slots(bundle, versions)
        if bundle
        else services.material_slots(versions)
    )
    initial = _default_applicant(request.user)
    initial["division"] = (item.division if item else bundle.division).pk
    form = forms.ApplicantForm(request.POST or None, initial=initial)
    holder = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.submit(
                item=item,
                bundle=bundle,
                division=d["division"],
                applicant_kind=d["applicant_kind"],
                applicant_code=d["applicant_code"],
                applicant_name=d["applicant_name"],
                applicant_phone=d["applicant_phone"],
                channel=web_channel(request),
                actor=request.user,
                user=request.user,
                files=_files(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("申报成功，办件编号 %(n)s。查询码见本页，请妥善保管。") % {"n": case.number},
            )
            return redirect("cases:my-case", case.number)
    else:
        holders = registry.holders_for_user(request.user)
        holder = holders[0] if holders else None
    return render(
        request,
        "cases/apply.html",
        {
            "form": form,
            "item": item,
            "bundle": bundle,
            "items": [v.item for v in versions if v],
            "rows": _slot_rows(slots, holder),
            "max_mb": uploads.max_mb(uploads.CASE_MATERIAL),
        },
    )


@login_required
def apply_item(request, code):
    item = catalog.active_item(code)
    if item is None:
        raise Http404
    if request.method == "GET":
        # one way to apply on the portal: the guided form (drafts keep files across errors and
        # sessions, errors beside each field, one case per submission); this one-page form
        # lost its files on an error. Its POST stays for old clients.
        return redirect("cases:guided-item", item.implementation_code)
    return _apply(request, item=item)


@login_required
def apply_bundle(request, key):
    bundle = catalog.active_bundle(key)
    if bundle is None:
        raise Http404
    if request.method == "GET":
        # the guided form, as for a single item (a company being founded has no USCC to
        # give: only the guided form asks it right)
        return redirect("cases:guided-bundle", bundle.key)
    return _apply(request, bundle=bundle)


@login_required
def my_cases(request):
    filters = forms.FilterForm(request.GET)
    page = filters.page_of(selectors.cases_of_applicant(request.user), 20)
    rows = [{"case": c, "progress": progress.progress_of(c)} for c in page.object_list]
    return render(
        request, "cases/my_cases.html", {"page": page, "rows": rows, "filter_form": filters}
    )


def _case_context(case):
    # only a bundle's parent case has sub-cases: no query for the others
    children = (
        list(case.children.select_related("department", "version").order_by("id"))
        if case.is_bundle_parent
        else []
    )
    material_case = case.parent if case.parent_id else case
    return {
        "case": case,
        "children": children,
        # a list: the page and its notices (notices_of) read the same rows
        "events": list(selectors.events_of(case)),
        "materials": material_case.materials.select_related("licence"),
        "sla_state": sla.state_of(case),
        "visits": case.visit_log.select_related("department"),
    }


def _event_rows(events) -> list[dict]:
    """The events in words for the applicant: what was done, the status it led to, the note
    (no action codes, no staff names)."""
    rows = []
    for e in events:
        edge = workflow.TRANSITIONS.get(e.action)
        label = str(edge.label) if edge else str(EVENT_LABELS.get(e.action, _("状态更新")))
        to = Status(e.to_state).label if e.to_state in Status.values else ""
        rows.append({"at": e.at, "label": label, "status": to, "note": e.note})
    return rows


EVENT_LABELS = {"submit": gettext_lazy("提交申请"), "roll_up": gettext_lazy("汇总子办件状态")}


def available_notices(case) -> list[tuple[str, str]]:
    """The notices the applicant can download in the case's state: the 受理通知书 once
    accepted, the 不予受理通知书 when rejected, the 补正告知书 while a supplement is awaited."""
    actions = set(case.events.values_list("action", flat=True))
    out = []
    if "accept" in actions and case.status != Status.REJECTED:
        out.append("acceptance")
    if case.status == Status.REJECTED and "reject" in actions:
        out.append("rejection")
    if case.status == Status.SUPPLEMENT and "request_supplement" in actions:
        out.append("supplement")
    return [(k, str(NOTICE_KINDS[k][0])) for k in out]


def part_notices(case) -> list[tuple]:
    """A bundle's notices are its sub-cases' (each department accepts, asks for 补正 … for its
    own part): ``(sub-case, kind, title)`` for the applicant's pages of the bundle."""
    if not case.is_bundle_parent:
        return []
    return [(c, k, t) for c in case.children.order_by("id") for k, t in available_notices(c)]


def _public_context(case) -> dict:
    """What the applicant's pages show of a case (own case page, tracking): the human steps,
    what happens next, the events in words, the notices of its state."""
    ctx = _case_context(case)
    events = list(ctx["events"])
    review = next((e.at for e in events if e.action == "start"), None)
    ctx["events"] = events
    ctx["event_rows"] = _event_rows(events)
    ctx["progress"] = progress.progress_of(case, review_started=review)
    ctx["sla_label"] = SlaState(ctx["sla_state"]).label if ctx["sla_state"] else ""
    ctx["token"] = links.token_for(case)
    # anonymous pages link the notices through the signed link (none without one)
    ctx["notices"] = available_notices(case) if ctx["token"] else []
    ctx["part_notices"] = part_notices(case) if ctx["token"] else []
    ctx["notice_url"] = "cases:track-notice"
    ctx["public"] = True
    return ctx


CASE_ERRORS = "case_errors"


def _carry_errors(request, action, exc: ValidationError):
    """A refused step: its messages go to the case page after the redirect, where they are shown
    beside the fields of the form that was sent (not as a flash message)."""
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    else:
        errors = {"non_field": [str(m) for m in exc.messages]}
    request.session[CASE_ERRORS] = {"action": action or "", "errors": errors}


def _carried_errors(request) -> dict:
    return request.session.pop(CASE_ERRORS, None) or {"action": "", "errors": {}}


@login_required
def my_case(request, number):
    case = selectors.own_case(request.user, number)
    ctx = _public_context(case)
    ctx["owner"] = True
    ctx["notice_url"] = "cases:my-case-notice"
    ctx["notices"] = available_notices(case)
    ctx["part_notices"] = part_notices(case)
    ctx["actions"] = workflow.allowed_actions(case, by="applicant")
    ctx["failed"] = failed = _carried_errors(request)
    rows = services.supplement_items(case) if case.status == Status.SUPPLEMENT else []
    if failed["action"] == "resubmit":  # each file's message beside its field, the rest above
        errors = dict(failed["errors"])
        for it in rows:
            it["errors"] = errors.pop(f"material_{it['field']}", [])
        failed["errors"] = errors
    ctx["supplement_rows"] = rows
    ctx["max_mb"] = uploads.max_mb(uploads.CASE_MATERIAL)
    licences = []
    holder = case.enterprise or case.person
    # the holder's e-licences only for its verified account (typing a USCC gives nothing)
    if holder is not None and holder in registry.holders_for_user(request.user):
        licences = registry.licences_of(holder)
    ctx["licences"] = licences
    return render(request, "cases/my_case.html", ctx)


@login_required
@require_POST
def my_case_action(request, number):
    case = selectors.own_case(request.user, number)
    form = forms.ApplicantActionForm(request.POST)
    act = form.cleaned_data["action"] if form.is_valid() else ""
    channel = web_channel(request)
    try:
        if act == "resubmit":
            # phone photos are scaled down by the service, as in the guided application
            services.resubmit(case, request.user, channel, files=_files(request))
            messages.success(request, _("补正材料已提交。"))
        elif act == "withdraw":
            if case.is_bundle_parent:
                for child in case.children.filter(status__in=[s for s in Status.values]):
                    if child.status not in (
                        Status.COMPLETED,
                        Status.DELIVERED,
                        Status.REJECTED,
                        Status.WITHDRAWN,
                    ):
                        workflow.transition(child, "withdraw", request.user, channel)
            else:
                workflow.transition(case, "withdraw", request.user, channel)
            messages.success(request, _("办件已撤回。"))
        else:
            raise ValidationError({"action": _("未知操作。")})
    except ValidationError as exc:
        _carry_errors(request, act, exc)
    return redirect("cases:my-case", number)


def track(request):
    """办件查询: number + 查询码. Failed look-ups are counted per address and per number
    (platform/ratelimit.py): the 21st within 10 minutes answers 429."""
    form = forms.TrackForm(request.GET or None)
    case = None
    ctx = {"form": form}
    if request.GET:
        limit = ratelimit.Limit(request, "cases.track", target=form.data.get("number", ""))
        limit.check()
        if form.is_valid():
            case = selectors.track(form.cleaned_data["number"], form.cleaned_data["code"])
        limit.attempt(case is not None)
        if case is None:
            form.add_error(None, _("未找到办件：请核对办件编号和查询码。"))
        else:
            _grant_rating(request, case)
            ctx.update(_public_context(case))
    return render(request, "cases/track.html", ctx)


# the session key the evaluations app reads to let a visitor who proved a subject rate it
# (the same protocol the appeals pages use; docs/evaluations.md)
EVALUATION_SUBJECTS = "evaluation_subjects"


def _grant_rating(request, case):
    from django.contrib.contenttypes.models import ContentType

    key = f"{ContentType.objects.get_for_model(case).pk}:{case.pk}"
    keys = set(request.session.get(EVALUATION_SUBJECTS, []))
    if key not in keys:
        keys.add(key)
        request.session[EVALUATION_SUBJECTS] = sorted(keys)


def _case_by_link(request, number, token):
    """The case a signed status link opens, or None. Failures are counted like the typed
    look-up's (same group, same limits); an unknown number, a bad, tampered or expired token
    all give None alike."""
    limit = ratelimit.Limit(request, "cases.track", target=number)
    limit.check()
    case = selectors.by_status_link(number, token)
    limit.attempt(case is not None)
    return case


def track_link(request, number, token):
    """The notices' QR code: ``/track/<number>/<token>/`` opens the case's public status
    without typing. A bad, tampered or expired link shows the look-up form with a message
    that says nothing of whether the number exists."""
    case = _case_by_link(request, number, token)
    if case is None:
        form = forms.TrackForm()
        return render(
            request,
            "cases/track.html",
            {"form": form, "link_error": _("该链接无效或已过期，请输入办件编号和查询码查询。")},
        )
    _grant_rating(request, case)
    ctx = {"form": forms.TrackForm(initial={"number": case.number}), "by_link": True}
    ctx.update(_public_context(case))
    return render(request, "cases/track.html", ctx)


def track_notice(request, number, token, kind):
    """A notice of the case a status link opens (the notices of its state only)."""
    case = _case_by_link(request, number, token)
    if case is None:
        raise Http404
    if kind in dict(available_notices(case)) and wechat_on_android(request):
        # WeChat's browser on Android shows no PDF and downloads nothing: say how to open this
        # same address in the phone's browser (where it needs no login: the link is signed)
        return render(
            request,
            "cases/notice_in_wechat.html",
            {"case": case, "title": dict(available_notices(case))[kind], "url": request.path},
        )
    return _notice_response(request, case, kind)


@login_required
def my_case_notice(request, number, kind):
    case = selectors.own_case(request.user, number)
    token = links.token_for(case)
    if token and kind in dict(available_notices(case)) and wechat_on_android(request):
        # the signed address opens in the phone's browser too, where the person is not logged in
        return redirect("cases:track-notice", case.number, token, kind)
    return _notice_response(request, case, kind)


def _notice_response(request, case, kind):
    """The notice ``kind`` of ``case``, or with ``?part=<number>`` of that sub-case of the
    bundle ``case`` (the applicant follows the bundle; its departments issue the notices), as a
    PDF shown in the browser (``inline``): desktop browsers and WeChat on iOS display it; WeChat
    on Android gets a page instead (``track_notice``)."""
    part = request.GET.dict().get("part")
    if part:
        case = case.children.filter(number=part).first() if case.is_bundle_parent else None
        if case is None:
            raise Http404
    if kind not in dict(available_notices(case)):
        raise Http404
    pdf = render_notice_pdf(request, case, kind)
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{case.number}-{kind}.pdf"'
    return resp


@login_required
def material_file(request, pk):
    """Serve an uploaded file: to the applicant who owns the case or to staff who can see it
    (a bundle's materials are visible to the staff of its sub-cases)."""
    m = selectors.material_for(request.user, pk)
    if m.source != MaterialSource.UPLOAD:
        raise Http404
    try:
        fh = m.stored_name.open("rb")
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    resp = FileResponse(fh, content_type=m.content_type, filename=m.original_name)
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


# --------------------------------------------------------------------------- workbench

SLA_CLASSES = {
    SlaState.ON_TIME: "sla-ok",
    SlaState.WARNING: "sla-warn",
    SlaState.OVERDUE: "sla-over",
    SlaState.PAUSED: "sla-paused",
    SlaState.NOT_STARTED: "sla-none",
}


def _export_query(params, filters) -> str:
    """The queue's filters for its 导出 button: what the page shows (its default status
    included), without the page number."""
    q = params.copy()
    q.pop("page", None)
    if "status" not in q:
        q["status"] = filters.get("status", "")
    return q.urlencode()


@staff_required
def queue(request):
    g = request.GET
    filter_form = forms.QueueFilterForm(g)
    filters = filter_form.case_filters(default_status="open")
    qs = selectors.queue_for(request.user, **filters)
    page = filter_form.page_of(qs, 50, paginator_class=CappedPaginator)
    now = timezone.now()
    detail = url_per_key("cases:detail")
    # the rows are written here, escaped by format_html: a template loop over 50 rows with a
    # filter per cell (date, labels, choices) was most of the page's CPU (bench/load/cost.py)
    tz = timezone.get_current_timezone()
    sla_words = dict(SlaState.choices)
    in_bundle = format_html(' <span class="tag">{}</span>', _("一件事"))
    rows = format_html_join(
        "\n",
        '<tr class="{}" data-testid="row-{}"><td><a href="{}">{}</a></td><td>{}{}</td>'
        '<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><span class="tag {}">{}</span></td></tr>',
        (
            (
                cls := SLA_CLASSES.get(st := sla.state_of(c, now), ""),
                c.number,
                detail(c.number),
                c.number,
                c.title,
                in_bundle if c.parent_id else "",
                c.applicant_name,
                c.department.name,
                c.get_status_display(),
                c.due_at.astimezone(tz).strftime("%Y-%m-%d") if c.due_at else "—",
                cls,
                sla_words.get(st, st or ""),
            )
            for c in page.object_list
        ),
    )
    return render(
        request,
        "cases/queue.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "statuses": Status.choices,
            "sla_states": SlaState.choices,
            "querystring": g.copy().urlencode() if g else "",
            "export_query": _export_query(g, filters),
            "filter_form": filter_form,
            "can_intake": workflow.MACHINE.policy.can(request.user, "handle"),
        },
    )


def notices_of(case, events=None) -> list[tuple[str, str]]:
    """The notices (kind, title) that exist for ``case``: one of its events is the notice's
    step (a case never accepted has no 受理通知书). ``events``: the case's events when the
    caller has them already."""
    if events is None:
        done = set(case.events.filter(action__in=NOTICE_ACTIONS).values_list("action", flat=True))
    else:
        done = {e.action for e in events} & set(NOTICE_ACTIONS)
    return [(kind, str(title)) for kind, (title, acts) in NOTICE_KINDS.items() if acts & done]


def _transition_form_context(case, actor=None, events=None):
    actions = workflow.available(case, actor)
    return {
        "templates": {k: [str(t) for t in v] for k, v in workflow.REASON_TEMPLATES.items()},
        "suspend_reasons": SuspendReason.choices,
        "visit_kinds": VisitKind.choices,
        "actions": actions,
        "confirmed_actions": workflow.CONFIRMED_ACTIONS,
        "can_record_visit": bool(actions) or workflow.can_work(case, actor),
        "labels": {k: str(e.label) for k, e in workflow.TRANSITIONS.items()},
        "notices": notices_of(case, events),
        # 企业开办's 设立登记: 办结 准予 names the new company (prefilled from the application)
        "founding": (
            services.new_enterprise_prefill(case)
            if {"complete", "approve"} & set(actions) and workflow.founding_output(case)
            else None
        ),
    }


@staff_required
def case_detail(request, number):
    case = selectors.case_for_staff(request.user, number)
    ctx = _case_context(case)
    ctx.update(_transition_form_context(case, request.user, ctx["events"]))
    ctx["failed"] = _carried_errors(request)
    ctx["slots"] = (
        services.material_slots([case.version])
        if case.version_id
        else services.material_slots([c.version for c in ctx["children"]])
    )
    return render(request, "cases/detail.html", ctx)


@staff_required
@require_POST
def case_action(request, number):
    case = selectors.case_for_staff(request.user, number)
    form = forms.CaseActionForm(request.POST, slots=_slots_for(case))
    act = request.POST.get("action", "")
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        act = form.cleaned_data["action"]
        workflow.transition(
            case,
            act,
            request.user,
            Channel.WINDOW if request.user.role == Role.CLERK else "online",
            expected_version=form.cleaned_data["lock_version"],
            interactive=True,
            **form.transition_data(),
        )
        messages.success(
            request,
            _("已执行“%(a)s”。")
            % {"a": str(workflow.TRANSITIONS[act].label) if act in workflow.TRANSITIONS else act},
        )
    except ValidationError as exc:
        _carry_errors(request, act, exc)
    return redirect("cases:detail", number)


def _slots_for(case):
    if case.version_id:
        return services.material_slots([case.version])
    return services.material_slots([c.version for c in case.children.all()])


@staff_required
@require_POST
def case_visit(request, number):
    case = selectors.case_for_staff(request.user, number)
    if not workflow.can_work(case, request.user):
        raise PermissionDenied(_("只有综合窗口人员、承办人或部门负责人可以记录到现场。"))
    form = forms.VisitForm(request.POST)
    if not form.is_valid():
        _carry_errors(request, "visit", ValidationError(form.errors.as_data()))
    else:
        services.record_visit(case, form.cleaned_data["kind"], actor=request.user)
        messages.success(request, _("已记录一次到现场。"))
    return redirect("cases:detail", number)


def _find_items(query: str, limit: int = 10) -> list:
    """Active items of the whole city (全域通办) matching ``query``, best first: the
    catalogue's ranked search (everyday words, synonyms, pinyin initials; catalog/search.py),
    the same the portal uses. Type-ahead queries are not logged as zero-result queries."""
    return list(catalog.search_items(query, limit=limit))


def _item_row(item) -> dict:
    """What the window sees of an item: names only (the implementation code travels in the
    link, never as something to type)."""
    return {
        "name": item.name,
        "department": item.department.name,
        "division": item.division.name,
        "url": reverse("cases:intake") + "?" + urlencode({"item": item.implementation_code}),
    }


def _require_writer(user):
    """Intake is a case worker's (the window, the departments): city leaders read only, and
    supervisors and administrators do not take cases in (403 with the policy's words)."""
    from yingshang.platform.scoping import can_write

    if not can_write(user):
        raise PermissionDenied(_("只读角色不能收件。"))
    workflow.MACHINE.policy.check(user, "handle")


@staff_required
def intake_items(request):
    """The window's item type-ahead: ``?q=`` → up to 10 items ``{name, department, division,
    url}`` as JSON (staff who may take cases in)."""
    from django.http import JsonResponse

    _require_writer(request.user)
    form = forms.ItemSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    rows = [_item_row(i) for i in _find_items(query)] if query else []
    return JsonResponse({"results": rows})


@staff_required
def intake_applicant(request):
    """The window's applicant look-up: ``?code=`` (USCC or ID number) → the registered holder
    in the clerk's scope as JSON ``{found, kind, name, phone_hint}``; the phone masked (left
    blank on the form, the registered number is used), unknown or out-of-scope codes alike
    ``{found: false}``."""
    from django.http import JsonResponse

    from yingshang.platform.masking import mask_phone

    _require_writer(request.user)
    form = forms.ApplicantLookupForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"found": False, "errors": form.errors.get_json_data()}, status=400)
    holder = registry.holder_for_staff(request.user, form.cleaned_data["code"])
    if holder is None:
        return JsonResponse({"found": False})
    return JsonResponse(
        {
            "found": True,
            "kind": "enterprise" if hasattr(holder, "uscc") else "person",
            "name": holder.name,
            "phone_hint": mask_phone(holder.phone),
        }
    )


@staff_required
def intake(request):
    """综合窗口收件: a clerk at any hall takes in any item of the city for the applicant; the case
    is routed to the item's department (全域通办)."""
    _require_writer(request.user)
    code, key = forms.IntakeChoiceForm(request.POST or request.GET).choice()
    item = catalog.active_item(code)
    bundle = catalog.active_bundle(key)
    initial = {"item": code, "bundle": key, "division": request.user.division_id}
    versions = []
    if item:
        versions = [item.current_version]
    elif bundle:
        versions = [bi.item.current_version for bi in bundle.bundle_items.select_related("item")]
    versions = [v for v in versions if v]
    slots = (
        services.bundle_material_slots(bundle, versions)
        if bundle
        else services.material_slots(versions)
    )
    form = forms.IntakeForm(request.POST or None, initial=initial)
    finder = forms.ItemSearchForm(request.GET)
    search = finder.cleaned_data["q"] if finder.is_valid() and not (item or bundle) else ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if code and item is None:
                raise ValidationError({"item": _("事项不存在或已停用。")})
            if key and bundle is None:
                raise ValidationError({"bundle": _("一件事不存在或已停用。")})
            case = services.submit(
                item=item,
                bundle=bundle,
                division=d["division"] or request.user.division,
                applicant_kind=d["applicant_kind"],
                applicant_code=d["applicant_code"],
                applicant_name=d["applicant_name"],
                applicant_phone=d["applicant_phone"],
                channel=Channel.WINDOW,
                actor=request.user,
                files=_files(request),
                paper=forms.PaperForm(request.POST, slots=slots).keys(),
                intake_department=request.user.department,
            )
            if item and d["accept_now"]:
                try:
                    workflow.transition(case, "accept", request.user, Channel.WINDOW)
                except Http404:
                    messages.info(request, _("已转办理部门受理。"))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("收件成功，办件编号 %(n)s。查询码在办件页和受理通知书上。") % {"n": case.number},
            )
            visible = selectors.is_visible(request.user, case)
            return redirect("cases:detail", case.number) if visible else redirect("cases:intake")
    return render(
        request,
        "cases/intake.html",
        {
            "form": form,
            "item": item,
            "bundle": bundle,
            "rows": _slot_rows(slots, None),
            "search": search,
            "matches": [_item_row(i) for i in _find_items(search)] if search else [],
            "bundles": catalog.active_bundles(),
        },
    )


@staff_required
def trips(request):
    filter_form = forms.TripsForm(request.GET)
    by = filter_form.value("by", "item")
    rows = list(selectors.trips_summary(request.user, by=by)[:200])
    return render(request, "cases/trips.html", {"rows": rows, "by": by, "filter_form": filter_form})


# --------------------------------------------------------------------------- notices

NOTICE_KINDS = {
    "acceptance": (gettext_lazy("受理通知书"), {"accept"}),
    "rejection": (gettext_lazy("不予受理通知书"), {"reject"}),
    "supplement": (gettext_lazy("补正告知书"), {"request_supplement"}),
}
NOTICE_ACTIONS = sorted({a for _t, acts in NOTICE_KINDS.values() for a in acts})


def qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def tracking_url(request, case) -> str:
    """The signed status link of ``case`` (cases/links.py): the notices' QR code opens the
    case's public status directly, for ``CASE_STATUS_LINK_DAYS`` days. A case without a lookup
    seed (rows from before 查询码) gets the look-up form with its number filled in. A sub-case
    of a bundle links to its parent (what the applicant follows)."""
    target = case.parent if case.parent_id else case
    token = links.token_for(target)
    if token:
        return request.build_absolute_uri(reverse("cases:track-link", args=[target.number, token]))
    return (
        request.build_absolute_uri(reverse("cases:track"))
        + "?"
        + urlencode({"number": target.number})
    )


def render_notice_pdf(request, case, kind) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    title, actions = NOTICE_KINDS[kind]
    event = case.events.filter(action__in=actions).order_by("-at", "-id").first()
    if event is None:
        raise Http404
    track_url = tracking_url(request, case)
    html = render_to_string(
        "cases/notice.html",
        {
            "case": case,
            "title": title,
            "kind": kind,
            "event": event,
            "qr": qr_data_uri(track_url),
            "track_url": track_url,
            "today": timezone.localdate(),
        },
    )
    return HTML(string=html).write_pdf()


@staff_required
def notice_pdf(request, number, kind):
    if kind not in NOTICE_KINDS:
        raise Http404
    case = selectors.case_for_staff(request.user, number)
    pdf = render_notice_pdf(request, case, kind)
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{case.number}-{kind}.pdf"'
    return resp
