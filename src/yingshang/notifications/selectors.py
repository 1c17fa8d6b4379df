"""Reads of the notification centre. Every user sees only their own notifications."""

from django.http import Http404

from .models import Notification


def inbox_for(user, *, unread_only: bool = False, category: str | None = None):
    qs = Notification.objects.for_user(user)
    if category is not None:
        qs = qs.filter(category=category)
    return qs.unread() if unread_only else qs


def categories_of(user) -> list[dict]:
    """The person's message categories with their names and counts (all, unread), the ones
    with unread messages first."""
    from django.db.models import Count, Q

    from yingshang.platform.labels import label

    rows = (
        Notification.objects.for_user(user)
        .order_by()
        .values("category")
        .annotate(total=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True)))
    )
    groups = [
        {
            "category": r["category"],
            "label": label("notifications.category", r["category"]),
            "total": r["total"],
            "unread": r["unread"],
        }
        for r in rows
    ]
    return sorted(groups, key=lambda g: (-g["unread"], -g["total"], g["label"]))


def unread_count(user) -> int:
    return Notification.objects.for_user(user).unread().count()


def own_notification_or_404(user, pk) -> Notification:
    try:
        return Notification.objects.for_user(user).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
