from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import forms, selectors, services


@login_required
def inbox(request):
    filters = forms.InboxFilterForm(request.GET)
    unread_only = filters.value("unread", False)
    # no parameter: every category; "?category=" (empty): the messages without a category
    category = filters.value("category", "") if "category" in filters.data else None
    qs = selectors.inbox_for(request.user, unread_only=unread_only, category=category)
    page = filters.page_of(qs, 30)
    params = {"unread": "1"} if unread_only else {}
    if category is not None:
        params["category"] = category
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "items": page.object_list,
            "unread_only": unread_only,
            "category": category,
            "categories": selectors.categories_of(request.user),
            "querystring": urlencode(params),
            "filter_form": filters,
        },
    )


@login_required
@require_POST
def mark_read(request, pk):
    notification = selectors.own_notification_or_404(request.user, pk)
    services.mark_read(notification)
    form = forms.MarkReadForm(request.POST)
    target = notification.link if form.is_valid() and form.cleaned_data["open"] else ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(request.user)
    messages.success(request, _("已将 %(count)d 条消息标记为已读。") % {"count": count})
    return redirect("notifications:inbox")


@login_required
def preferences(request):
    """消息接收设置: the person's own channels (the inbox always receives everything)."""
    current = services.preference_of(request.user)
    if request.method == "POST":
        form = forms.PreferenceForm(request.POST)
        if form.is_valid():
            services.set_preference(user=request.user, **form.cleaned_data)
            messages.success(request, _("消息接收设置已保存。"))
            return redirect("notifications:preferences")
    else:
        form = forms.PreferenceForm(
            initial={
                "email": current.email,
                "wechat": current.wechat,
                "sms": current.sms,
                "digest": current.digest,
            }
        )
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_phone": bool(getattr(request.user, "phone", ""))},
    )
