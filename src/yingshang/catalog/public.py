"""The catalogue's public entry points: item and bundle look-up (the only module of this app
other apps import, besides ``catalog.models``). See docs/architecture.md."""

from . import search as _search
from .models import Bundle, ServiceItem
from .selectors import bundle_by_key, item_by_code, public_bundles, public_items
from .selectors import search_items as filter_items


def search_items(query: str, *, limit: int = 10, record: bool = False) -> list[ServiceItem]:
    """Active items for what a person typed, best first (everyday words, synonyms, pinyin
    initials, several words AND-matched; see catalog/search.py). ``record``: count the query
    for the catalogue team when it finds nothing (the portal and the WeChat answer do; a
    type-ahead should not). Same ranking on SQLite and PostgreSQL."""
    return _search.search(query, limit=limit, record=record).items


def search(query: str, *, limit: int = 10, record: bool = False):
    """``search_items`` with the "did you mean" suggestion and popular items for zero results
    (a ``catalog.search.SearchResult``)."""
    return _search.search(query, limit=limit, record=record)


def popular_items(*, limit: int = 8) -> list[ServiceItem]:
    """The active items applied for most (for the portal home), cached ten minutes."""
    return _search.popular_items(limit=limit)


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


def bundle_outputs(bundle) -> list:
    """The results a bundle's own items produce (``BundleOutput``, with item and licence
    type): materials of those licence types are never asked of the applicant."""
    if bundle is None or bundle.pk is None:
        return []
    return list(bundle.outputs.select_related("item", "licence_type"))


def founds_holder(bundle) -> bool:
    """True when the bundle founds a new holder (企业开办): it is applied for with the new
    company's name and registration details, not an existing USCC."""
    return any(o.founds_holder for o in bundle_outputs(bundle))


__all__ = [
    "active_bundle",
    "active_bundles",
    "active_item",
    "active_items",
    "bundle_outputs",
    "founds_holder",
    "bundle_by_key",
    "filter_items",
    "item_by_code",
    "public_bundles",
    "popular_items",
    "public_items",
    "search",
    "search_items",
]
