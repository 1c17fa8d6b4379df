"""Reads of the catalog. The catalog is public information: the portal and the read API see
every active item; staff pages and writes are scoped with ``visible_to``."""

from collections import Counter

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from yingshang.core.models import Department
from yingshang.platform import memo

from . import search
from .models import Bundle, BundleItem, Material, ServiceItem, Theme


def public_items():
    return ServiceItem.objects.filter(is_active=True, current_version__isnull=False).select_related(
        "department", "division", "current_version"
    )


def search_items(
    qs=None,
    *,
    q: str = "",
    department: int | str | None = None,
    division_code: str = "",
    theme: str = "",
    life_event: str = "",
    category: str = "",
):
    """Filter items. ``theme`` person/enterprise also matches items for both; ``q`` matches
    name, codes and department name."""
    qs = public_items() if qs is None else qs
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(implementation_code__iexact=q)
            | Q(basic_code__iexact=q)
            | Q(department__name__icontains=q)
            | Q(life_events__icontains=q)
        )
    if department not in (None, ""):
        try:
            qs = qs.filter(department_id=int(department))
        except (TypeError, ValueError):
            qs = qs.none()
    if division_code:
        qs = qs.filter(division__code=division_code)
    if theme in (Theme.PERSON, Theme.ENTERPRISE):
        qs = qs.filter(theme__in=[theme, Theme.BOTH])
    elif theme == Theme.BOTH:
        qs = qs.filter(theme=Theme.BOTH)
    if life_event:
        qs = qs.filter(life_events__icontains=life_event)
    if category:
        qs = qs.filter(category=category)
    return qs


def item_by_code(code: str) -> ServiceItem:
    """An active item with its current version and materials, or 404."""
    item = (
        public_items()
        .select_related("current_version__result_licence_type")
        .prefetch_related(
            Prefetch(
                "current_version__materials",
                queryset=Material.objects.select_related("licence_type").order_by("order"),
            )
        )
        .filter(implementation_code=code)
        .first()
    )
    if item is None:
        raise Http404
    return item


def public_bundles():
    return (
        Bundle.objects.filter(is_active=True)
        .select_related("division")
        .prefetch_related(
            Prefetch(
                "bundle_items",
                queryset=BundleItem.objects.select_related(
                    "item__department", "item__division", "item__current_version"
                ).order_by("order"),
            )
        )
    )


def bundle_by_key(key: str) -> Bundle:
    bundle = public_bundles().filter(key=key).first()
    if bundle is None:
        raise Http404
    return bundle


def bundle_materials(bundle: Bundle) -> list[dict]:
    """The one set of materials of a bundle: each material once (by e-licence type or name),
    with the items that need it; the bundle's own outputs left out."""
    seen: dict = {}
    items = [bi.item for bi in bundle.bundle_items.all()]
    # the bundle's own results (BundleOutput) are produced by its items, not provided
    produced = set(bundle.outputs.values_list("licence_type_id", flat=True))
    materials = (
        Material.objects.filter(version__in=[i.current_version_id for i in items])
        .exclude(licence_type_id__in=produced)
        .select_related("licence_type", "version__item")
        .order_by("version__item_id", "order")
    )
    order = {i.pk: n for n, i in enumerate(items)}
    for m in sorted(materials, key=lambda m: (order.get(m.version.item_id, 0), m.order)):
        key = ("licence", m.licence_type_id) if m.licence_type_id else ("name", m.name)
        entry = seen.setdefault(key, {"material": m, "items": []})
        entry["items"].append(m.version.item.name)
    return list(seen.values())


def bundle_limits(bundle: Bundle) -> dict:
    """Sub-cases run in parallel: the bundle takes as long as its slowest item."""
    versions = [bi.item.current_version for bi in bundle.bundle_items.all()]
    versions = [v for v in versions if v is not None]
    return {
        "committed": max((v.committed_limit_days for v in versions), default=0),
        "legal_sum": sum(v.legal_limit_days for v in versions),
        "visits": max((v.visits_required for v in versions), default=0),
    }


def life_events(limit: int = 24) -> list[tuple[str, int]]:
    """The life events (主题) of active items, most frequent first."""
    counter: Counter = Counter()
    for value in public_items().values_list("life_events", flat=True):
        for event in (value or "").replace(",", "、").split("、"):
            if event.strip():
                counter[event.strip()] += 1
    return counter.most_common(limit)


def portal_departments():
    """Departments that implement at least one active item (for the search filter)."""
    # the page shows the name only: no division columns (ordered by its path all the same)
    return (
        Department.objects.filter(service_items__is_active=True)
        .distinct()
        .order_by("division__path", "name")
    )


def portal_divisions():
    """The city and counties that offer at least one active item (the search's choices)."""
    from yingshang.core.models import Division, DivisionLevel

    return (
        Division.objects.filter(
            level__in=[DivisionLevel.CITY, DivisionLevel.COUNTY], service_items__is_active=True
        )
        .distinct()
        .order_by("path")
    )


def staff_items(user, *, q: str = "", include_inactive: bool = True):
    qs = ServiceItem.objects.visible_to(user).select_related(
        "department", "division", "current_version"
    )
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(implementation_code__icontains=q))
    return qs


def can_manage(user, department) -> bool:
    """May ``user`` create or change items of ``department``? (the catalog policy)"""
    from .policies import policy

    return policy.can(user, "maintain", department)


# ------------------------------------------------------------------ the portal's facts, memoised
# What every anonymous home and search page shows about the catalogue as a whole (popular items,
# bundles, themes, the filters' choices) changes only when the catalogue does: it is computed
# once per server process and kept FACTS_TTL seconds (platform/memo.py), dropped at once in the
# process that changes the catalogue (catalog/apps.py connects the signals), in the others at
# the latest FACTS_TTL seconds later. Plain tuples: the pages read them without queries.
FACTS_TTL = 60
FACTS_PREFIX = "catalog."


def home_facts() -> dict:
    """The home page's tiles: popular items ``(code, name, department)``, active bundles
    ``(key, name, items)``, life events ``(event, items)`` and the person/enterprise counts."""
    return memo.get(FACTS_PREFIX + "home", FACTS_TTL, _home_facts)


def _home_facts() -> dict:
    counts = public_items().aggregate(
        person=Count("pk", filter=Q(theme__in=[Theme.PERSON, Theme.BOTH])),
        enterprise=Count("pk", filter=Q(theme__in=[Theme.ENTERPRISE, Theme.BOTH])),
    )
    bundles = Bundle.objects.filter(is_active=True).annotate(n=Count("bundle_items"))
    return {
        "popular": tuple(
            (i.implementation_code, i.name, i.department.name if i.department_id else "")
            for i in search.popular_items(limit=8)
        ),
        "bundles": tuple((b.key, b.name, b.n) for b in bundles.order_by("name")),
        "life_events": tuple(life_events(16)),
        "person_count": counts["person"],
        "enterprise_count": counts["enterprise"],
    }


def search_facets() -> dict:
    """The search filters' choices: departments ``(pk, name)`` and divisions ``(code, name)``
    that offer an active item, and the 30 most frequent life events ``(event, event)``."""
    return memo.get(FACTS_PREFIX + "search", FACTS_TTL, _search_facts)


def _search_facts() -> dict:
    return {
        "departments": tuple(
            (str(pk), name) for pk, name in portal_departments().values_list("pk", "name")
        ),
        "divisions": tuple(portal_divisions().values_list("code", "name")),
        "life_events": tuple((event, event) for event, _n in life_events(30)),
    }


def forget_facts(*args, **kwargs) -> None:
    """Signal receiver: the catalogue changed, the memoised facts go (this process)."""
    if not kwargs.get("raw"):
        memo.clear(FACTS_PREFIX)
