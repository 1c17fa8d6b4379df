"""Guided applications on the portal: a step-by-step form per item or bundle (who applies →
what → materials → review → submit) over a saved draft (``drafts.py``). Uploads are kept in the
draft, so a validation error or a new session loses nothing; the final POST carries the draft's
idempotency key, so a double click makes one case. Views parse input through
``apply_forms`` and write only through ``drafts`` (which submits through ``services.submit``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingshang.catalog import public as catalog
from yingshang.platform import uploads
from yingshang.platform.forms import add_service_errors

from . import apply_forms, drafts
from .draft_models import ApplicationDraft, DraftStatus
from .views import web_channel


def _no_staff(user):
    if user.is_staff_member:
        raise PermissionDenied(_("工作人员请使用综合窗口收件。"))


def _own_draft(user, token) -> ApplicationDraft:
    """The user's draft by token; 404 for anyone else's and for an unknown token."""
    draft = (
        ApplicationDraft.objects.select_related("item__current_version", "bundle", "case")
        .filter(token=token, user=user)
        .first()
    )
    if draft is None:
        raise Http404
    return draft


def _start(request, *, item=None, bundle=None):
    _no_staff(request.user)
    form = apply_forms.StartForm(request.GET)
    fresh = form.is_valid() and form.cleaned_data["new"]
    draft = drafts.start(user=request.user, item=item, bundle=bundle, fresh=fresh)
    return redirect("cases:draft-step", draft.token, draft.step)


@login_required
def my_drafts(request):
    """The applicant's open drafts (from any session or device), to continue or delete."""
    _no_staff(request.user)
    found = (
        ApplicationDraft.objects.filter(
            user=request.user, status=DraftStatus.OPEN, expires_at__gt=timezone.now()
        )
        .select_related("item", "bundle")
        .order_by("-updated_at")
    )
    return render(request, "cases/guided/my_drafts.html", {"drafts": found})


@login_required
def start_item(request, code):
    item = catalog.active_item(code)
    if item is None:
        raise Http404
    return _start(request, item=item)


@login_required
def start_bundle(request, key):
    bundle = catalog.active_bundle(key)
    if bundle is None:
        raise Http404
    return _start(request, bundle=bundle)


def _progress(current: str, reached: str) -> list[dict]:
    order = drafts.STEPS
    reached_at = order.index(reached) if reached in order else len(order)
    return [
        {
            "key": key,
            "label": drafts.STEP_LABELS[key],
            "no": i + 1,
            "current": key == current,
            "done": i < order.index(current),
            "reachable": i <= reached_at,
        }
        for i, key in enumerate(order)
    ]


def _context(draft, step, needs, **extra):
    return {
        "draft": draft,
        "step": step,
        "target": draft.target,
        "needs": needs,
        "progress": _progress(step, draft.step),
        "step_no": drafts.STEPS.index(step) + 1,
        "step_count": len(drafts.STEPS),
        **extra,
    }


@login_required
def step(request, token, step):
    _no_staff(request.user)
    draft = _own_draft(request.user, token)
    if draft.status != DraftStatus.OPEN:
        if draft.case_id:
            return redirect("cases:my-case", draft.case.number)
        raise Http404
    if step not in drafts.STEPS:
        raise Http404
    # a step not reached yet sends the applicant to the furthest one reached
    if drafts.STEPS.index(step) > drafts.STEPS.index(draft.step):
        return redirect("cases:draft-step", draft.token, draft.step)
    needs = drafts.needs_of(draft)
    handler = {
        "applicant": _applicant,
        "details": _details,
        "materials": _materials,
        "review": _review,
    }[step]
    return handler(request, draft, needs)


def _posted(request):
    """The POST data of a POST (even an empty one: it still gets its errors), else None."""
    return request.POST if request.method == "POST" else None


def _next(step):
    return drafts.STEPS[drafts.STEPS.index(step) + 1]


def _furthest(draft, step):
    """The step reached after completing ``step`` (never going back on what was reached)."""
    nxt = _next(step)
    order = drafts.STEPS
    return order[max(order.index(nxt), order.index(draft.step))]


def _applicant(request, draft, needs):
    prefill = draft.data.get("prefill") or {}
    saved = draft.data.get("applicant")
    initial = saved or {k: v["value"] for k, v in prefill.items()}
    form = apply_forms.ApplicantStepForm(_posted(request), initial=initial, founding=needs.founding)
    if request.method == "POST" and form.is_valid():
        drafts.save_step(
            draft=draft,
            step="applicant",
            values=form.cleaned_data,
            next_step=_furthest(draft, "applicant"),
        )
        return redirect("cases:draft-step", draft.token, "details")
    sources = {
        k: v["source"]
        for k, v in prefill.items()
        if v.get("source") and str(form[k].value() or "") == str(v["value"])
    }
    return render(
        request,
        "cases/guided/applicant.html",
        _context(
            draft,
            "applicant",
            needs,
            form=form,
            fields=[{"field": form[n], "source": sources.get(n, "")} for n in form.fields],
        ),
    )


def _details(request, draft, needs):
    form_class = apply_forms.NewEnterpriseForm if needs.founding else apply_forms.DetailsStepForm
    saved = dict(draft.data.get("details") or {})
    saved.update(saved.pop("new_enterprise", {}) or {})
    if needs.founding and "legal_representative" not in saved:
        saved["legal_representative"] = (draft.data.get("applicant") or {}).get(
            "applicant_name", ""
        )
    form = form_class(_posted(request), initial=saved)
    if request.method == "POST" and form.is_valid():
        try:
            drafts.check_division(draft, form.cleaned_data["division"])
        except ValidationError as exc:
            add_service_errors(form, exc)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        values = {"division": d["division"].pk, "note": d["note"]}
        if needs.founding:
            values["new_enterprise"] = {
                k: str(d[k]) if k == "registered_capital" else d[k] for k in form_class.NEW
            }
        drafts.save_step(
            draft=draft, step="details", values=values, next_step=_furthest(draft, "details")
        )
        return redirect("cases:draft-step", draft.token, "materials")
    return render(
        request, "cases/guided/details.html", _context(draft, "details", needs, form=form)
    )


def _material_rows(draft, needs, form):
    files = {f.slot_key: f for f in draft.files.all()}
    reuse = drafts.reusable(draft, needs)
    rows = []
    for s in needs.slots:
        field = form[f"material_{s.key}"]
        rows.append(
            {
                "slot": s,
                "field": field,
                "file": files.get(s.key),
                "licence": reuse.get(s.key) if s.key not in files else None,
                "errors": form.errors.get(f"material_{s.key}"),
            }
        )
    return rows


def _materials(request, draft, needs):
    posted = request.method == "POST"
    form = apply_forms.MaterialsStepForm(
        request.POST if posted else None, request.FILES if posted else None, slots=needs.slots
    )
    if request.method == "POST" and form.is_valid():
        for key in form.cleaned_data["remove"]:
            drafts.detach(draft=draft, slot_key=key)
        failed = False
        for key, upload in form.uploads().items():
            try:
                drafts.attach(draft=draft, slot_key=key, upload=upload)
            except ValidationError as exc:
                add_service_errors(form, exc)
                failed = True
        go = form.cleaned_data["go"]
        if not failed and go == "back":
            return redirect("cases:draft-step", draft.token, "details")
        if not failed and go == "next":
            missing = drafts.missing_materials(draft, needs)
            for field, message in missing.items():
                form.add_error(field, message)
            if not missing:
                drafts.save_step(
                    draft=draft,
                    step="materials",
                    values={"done": True},
                    next_step=_furthest(draft, "materials"),
                )
                return redirect("cases:draft-step", draft.token, "review")
        elif not failed:
            messages.success(request, _("材料已保存。"))
            return redirect("cases:draft-step", draft.token, "materials")
    return render(
        request,
        "cases/guided/materials.html",
        _context(
            draft,
            "materials",
            needs,
            form=form,
            rows=_material_rows(draft, needs, form),
            max_mb=uploads.max_mb(drafts.DRAFT_MATERIAL),
        ),
        status=400 if form.errors else 200,
    )


def _review(request, draft, needs):
    form = apply_forms.ReviewStepForm(_posted(request), initial={"submit_key": draft.submit_key})
    if request.method == "POST" and form.is_valid():
        try:
            case, created = drafts.submit(
                draft=draft,
                submit_key=form.cleaned_data["submit_key"],
                actor=request.user,
                channel=web_channel(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if created:
                messages.success(
                    request,
                    _("申报成功，办件编号 %(n)s。查询码见本页，请妥善保管。") % {"n": case.number},
                )
            return redirect("cases:my-case", case.number)
    a = draft.data.get("applicant") or {}
    d = draft.data.get("details") or {}
    from yingshang.core.models import Division

    division = Division.objects.filter(pk=d.get("division")).first()
    return render(
        request,
        "cases/guided/review.html",
        _context(
            draft,
            "review",
            needs,
            form=form,
            applicant=a,
            details=d,
            division=division,
            new_enterprise=d.get("new_enterprise"),
            rows=_material_rows(draft, needs, apply_forms.MaterialsStepForm(slots=needs.slots)),
        ),
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def discard(request, token):
    draft = _own_draft(request.user, token)
    target = draft.item or draft.bundle
    drafts.discard(draft=draft)
    messages.success(request, _("草稿已删除。"))
    if draft.item_id:
        return redirect("catalog:service-detail", target.implementation_code)
    return redirect("catalog:bundle-detail", target.key)
