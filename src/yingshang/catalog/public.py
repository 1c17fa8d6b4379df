"""The catalogue's public entry points: item and bundle look-up (the only module of this app
other apps import, besides ``catalog.models``). See docs/architecture.md."""

from .models import Bundle, ServiceItem
from .selectors import bundle_by_key, item_by_code, public_bundles, public_items, search_items


def active_item(code: str) -> ServiceItem | None:
    """The active item with this implementation code (with its current version), or None."""
    if not code:
        return None
    return (
        ServiceItem.objects.filter(implementation_code=code, is_active=True)
        .select_related("current_version", "division", "department")
        .first()
    )


def active_items():
    return ServiceItem.objects.filter(is_active=True)


def active_bundle(key: str) -> Bundle | None:
    return Bundle.objects.filter(key=key, is_active=True).first() if key else None


def active_bundles():
    return Bundle.objects.filter(is_active=True)


__all__ = [
    "active_bundle",
    "active_bundles",
    "active_item",
    "active_items",
    "bundle_by_key",
    "item_by_code",
    "public_bundles",
    "public_items",
    "search_items",
]
