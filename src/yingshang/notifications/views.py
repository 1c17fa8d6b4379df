from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import forms, selectors, services


@login_required
def inbox(request):
    filters = forms.InboxFilterForm(request.GET)
    unread_only = filters.value("unread", False)
    page = filters.page_of(selectors.inbox_for(request.user, unread_only=unread_only), 30)
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "items": page.object_list,
            "unread_only": unread_only,
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
