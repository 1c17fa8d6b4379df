"""Reads of the notification centre. Every user sees only their own notifications."""

from django.http import Http404

from .models import Notification


def inbox_for(user, *, unread_only: bool = False):
    qs = Notification.objects.for_user(user)
    return qs.unread() if unread_only else qs


def unread_count(user) -> int:
    return Notification.objects.for_user(user).unread().count()


def own_notification_or_404(user, pk) -> Notification:
    try:
        return Notification.objects.for_user(user).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
