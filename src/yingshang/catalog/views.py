"""Public portal pages (no login): landing, item search, item guide, bundle guide; and the
staff catalog page (list, Excel export and import)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingshang.core.views import staff_required
from yingshang.platform import audit
from yingshang.platform.exports import workbook_response
from yingshang.platform.models import AuditAction

from . import excel, forms, selectors
from .models import Category, Theme
from .policies import policy as catalog_policy

PAGE_SIZE = 20
MAX_UPLOAD = 10 * 1024 * 1024


def _hook(name: str, fallback: str, *args) -> str:
    """A link to a page another app owns (apply, track): its route when it exists, else the
    agreed path."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def _portal_context(**extra):
    return {"track_url": _hook("cases:track", "/track/"), **extra}


POPULAR_LIMIT = 8


def _popular_items(limit: int = POPULAR_LIMIT):
    """The home page's popular items: ``catalog.public.popular_items`` when the catalogue offers
    it (ranked by use), else the items of the active "one thing" bundles, then the others, by
    name."""
    from . import public as catalog_public

    popular = getattr(catalog_public, "popular_items", None)
    if popular is not None:
        return list(popular(limit=limit))
    items = list(
        selectors.search_items()
        .filter(bundles__is_active=True)
        .select_related("department")
        .distinct()
        .order_by("name")[:limit]
    )
    if len(items) < limit:
        items += list(
            selectors.search_items()
            .exclude(pk__in=[i.pk for i in items])
            .select_related("department")
            .order_by("name")[: limit - len(items)]
        )
    return items


def portal_home(request):
    bundles = selectors.public_bundles()
    return render(
        request,
        "portal/home.html",
        _portal_context(
            bundles=bundles,
            popular_items=_popular_items(),
            life_events=selectors.life_events(16),
            person_count=selectors.search_items(theme=Theme.PERSON).count(),
            enterprise_count=selectors.search_items(theme=Theme.ENTERPRISE).count(),
        ),
    )


def service_search(request):
    form = forms.SearchForm(request.GET)
    filters = form.search_filters()
    qs = selectors.search_items(**filters).order_by("division__path", "name", "implementation_code")
    page = form.page_of(qs, PAGE_SIZE)
    return render(
        request,
        "portal/search.html",
        _portal_context(
            page=page,
            filters=filters,
            querystring=form.querystring(),
            filter_form=form,
            departments=selectors.portal_departments(),
            divisions=selectors.portal_divisions(),
            themes=Theme.choices,
            categories=Category.choices,
            life_events=selectors.life_events(30),
        ),
    )


def service_detail(request, code):
    item = selectors.item_by_code(code)
    version = item.current_version
    return render(
        request,
        "portal/item.html",
        _portal_context(
            item=item,
            version=version,
            materials=list(version.materials.all()),
            bundles=item.bundles.filter(is_active=True),
            apply_url=_hook(
                "cases:guided-item", f"/apply/guided/item/{item.implementation_code}/", code
            ),
        ),
    )


def bundle_detail(request, key):
    bundle = selectors.bundle_by_key(key)
    return render(
        request,
        "portal/bundle.html",
        _portal_context(
            bundle=bundle,
            bundle_items=list(bundle.bundle_items.all()),
            materials=selectors.bundle_materials(bundle),
            limits=selectors.bundle_limits(bundle),
            outputs=list(bundle.outputs.select_related("item", "licence_type")),
            apply_url=_hook("cases:guided-bundle", f"/apply/guided/bundle/{bundle.key}/", key),
        ),
    )


@staff_required
def staff_catalog(request):
    form = forms.StaffListForm(request.GET)
    q = form.value("q", "")
    qs = selectors.staff_items(request.user, q=q)
    page = form.page_of(qs)
    return render(
        request,
        "catalog/staff_list.html",
        {
            "page": page,
            "q": q,
            "can_import": catalog_policy.can(request.user, "maintain"),
            "errors": [],
            "filter_form": form,
        },
    )


@staff_required
def staff_export(request):
    qs = selectors.staff_items(request.user)
    content = excel.export_workbook(qs)
    audit.record(
        AuditAction.EXPORT,
        object_type="catalog.ServiceItem",
        object_repr=_("事项目录导出"),
        changes={"items": qs.count()},
    )
    return workbook_response("catalog.xlsx", content)


@staff_required
@require_POST
def staff_import(request):
    if not catalog_policy.can(request.user, "maintain"):
        raise PermissionDenied(_("您没有导入事项的权限。"))
    upload = request.FILES.get("file")
    errors = []
    if upload is None:
        errors = [_("请选择要导入的Excel文件。")]
    elif upload.size > MAX_UPLOAD:
        errors = [_("文件过大(不超过10MB)。")]
    else:
        try:
            result = excel.import_workbook(upload.read(), request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("导入成功:新增 %(c)d 项,更新 %(u)d 项,发布新版本 %(v)d 项,未变 %(n)d 项。")
                % {
                    "c": result.created,
                    "u": result.updated,
                    "v": result.new_versions,
                    "n": result.unchanged,
                },
            )
            return redirect("catalog:staff-list")
    qs = selectors.staff_items(request.user)
    page = Paginator(qs, 50).get_page(1)
    return render(
        request,
        "catalog/staff_list.html",
        {"page": page, "q": "", "can_import": True, "errors": errors},
        status=400,
    )
