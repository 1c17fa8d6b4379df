"""Pages of the registry: a portal account's enterprises (ask to represent one, prove it) and
the approvers' queue. Errors are shown beside the field of the row acted on (the page is
rendered again with the bound form, not redirected with a flash message)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yingshang.core.policies import is_portal_user
from yingshang.core.views import staff_required
from yingshang.platform.forms import error_dict, submit
from yingshang.platform.masking import mask_phone

from . import forms, selectors, services
from .policies import policy


def _own(user, pk):
    rep = selectors.representations_of(user).filter(pk=pk).first()
    if rep is None:
        raise Http404
    return rep


def _with_licences(reps) -> list:
    """The rows of 我的企业, a verified one with its enterprise's valid e-licences (a company
    founded through 企业开办 shows its 营业执照 here)."""
    rows = list(reps)
    for rep in rows:
        rep.licences = (
            list(selectors.licences_of(rep.enterprise)) if rep.status == "verified" else []
        )
    return rows


@login_required
def my_enterprises(request):
    """我的企业: the account's requests; an enterprise counts only once verified."""
    if not is_portal_user(request.user):
        raise PermissionDenied(_("工作人员账号不能作为企业经办账号。"))
    request_form = forms.RepresentationRequestForm(prefix="new")
    step_form, errors, acted = None, {}, None
    if request.method == "POST":
        if "new-uscc" in request.POST:  # the action dispatch key
            request_form = forms.RepresentationRequestForm(request.POST, prefix="new")
            if submit(
                request_form,
                lambda d: services.request_representation(user=request.user, uscc_code=d["uscc"]),
            ):
                messages.success(request, _("申请已提交，请完成核验。"))
                return redirect("registry:my-enterprises")
        else:
            step_form = forms.RepresentationStepForm(request.POST)
            if submit(step_form, lambda d: _step(request.user, d)):
                messages.success(request, _("操作成功。"))
                return redirect("registry:my-enterprises")
            errors = error_dict(step_form)
            acted = step_form.cleaned_data.get("representation") if step_form.is_bound else None
    return render(
        request,
        "registry/my_enterprises.html",
        {
            "rows": _with_licences(selectors.representations_of(request.user)),
            "request_form": request_form,
            "errors": errors,
            "acted": acted,
        },
        status=400 if (request_form.errors or errors) else 200,
    )


def _step(user, d):
    rep = _own(user, d["representation"])
    op = d["op"]
    if op == "send_code":
        return services.send_code(rep, user=user)
    if op == "verify_code":
        return services.verify_code(rep, user=user, code=d["code"])
    if op == "verify_realname":
        return services.verify_realname(rep, user=user)
    if op == "revoke":
        return services.revoke_representation(rep, user=user)
    return services.reapply_representation(rep, user=user)


def _with_masked_phone(qs):
    rows = list(qs)
    for rep in rows:
        rep.user_masked_phone = mask_phone(rep.user.phone or "")
    return rows


@staff_required
def letter(request, pk):
    """The 授权委托书 of a representation request, for the approvers of the enterprise's division
    (others 404); served from the upload storage, never by a public URL."""
    rep = selectors.letter_for(request.user, pk)
    try:
        fh = rep.letter.open("rb")
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    resp = FileResponse(fh, content_type=rep.letter_type, filename=rep.letter_name or "letter")
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@staff_required
def queue(request):
    """经办人审核: pending requests of enterprises registered in the approver's subtree."""
    if not policy.can(request.user, "approve"):
        raise PermissionDenied(policy.rules["approve"].message)
    errors, acted = {}, None
    if request.method == "POST":
        form = forms.RepresentationDecisionForm(request.POST)

        def decide(d):
            rep = selectors.representation_queue(request.user).filter(pk=d["representation"])
            rep = rep.first()
            if rep is None:
                raise Http404
            step = (
                services.approve_representation
                if d["op"] == "approve"
                else services.reject_representation
            )
            return step(rep, user=request.user, note=d["note"])

        if submit(form, decide):
            messages.success(request, _("已处理。"))
            return redirect("registry:representation-queue")
        errors = error_dict(form)
        acted = form.cleaned_data.get("representation")
    return render(
        request,
        "registry/queue.html",
        {
            "rows": _with_masked_phone(selectors.representation_queue(request.user)),
            "errors": errors,
            "acted": acted,
        },
        status=400 if errors else 200,
    )
