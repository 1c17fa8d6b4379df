"""Public portal pages (no login): landing, item search, item guide, bundle guide; and the
staff catalog page (list, Excel export and import)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingshang.core.views import staff_required
from yingshang.platform import audit, ratelimit
from yingshang.platform.exports import workbook_response
from yingshang.platform.models import AuditAction

from . import excel, forms, search, selectors, services
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


def portal_home(request):
    # the catalogue's tiles are memoised per process (selectors.home_facts): no query for them
    return render(request, "portal/home.html", _portal_context(facts=selectors.home_facts()))


def service_search(request):
    form = forms.SearchForm(request.GET)
    filters = form.search_filters()
    result = None
    if filters["q"].strip():
        # Everyday words, synonyms, pinyin initials, ranked (catalog/search.py); the other
        # filters narrow the candidates. Nothing found: "did you mean" and popular items.
        candidates = selectors.search_items(**{**filters, "q": ""})
        result = search.search(
            filters["q"], candidates=candidates, limit=None, record=True, lazy=True
        )
        qs = result.items
    else:
        qs = selectors.search_items(**filters).order_by(
            "division__path", "name", "implementation_code"
        )
    page = form.page_of(qs, PAGE_SIZE)
    return render(
        request,
        "portal/search.html",
        _portal_context(
            page=page,
            filters=filters,
            result=result,
            zero_result=result is not None and not result.items,
            suggest_url=reverse("catalog:service-suggest"),
            querystring=form.querystring(),
            filter_form=form,
            facets=selectors.search_facets(),
            themes=Theme.choices,
            categories=Category.choices,
        ),
    )


SUGGEST_LIMIT = 8


def service_suggest(request):
    """Type-ahead: ``GET /services/suggest/?q=`` → ``{"query": …, "items": [{name, code,
    department, division, url}]}``. Every request counts against the client's limit
    (``SUGGEST_RATE``, default 120 a minute per address): over it, 429 with Retry-After."""
    limit = ratelimit.Limit(
        request, "catalog.suggest", rate=getattr(settings, "SUGGEST_RATE", "120/m")
    )
    limit.check()
    limit.fail()  # every look-up counts
    q = search.normalize(forms.SuggestForm(request.GET).query())
    items = search.suggest(q, limit=SUGGEST_LIMIT) if q else []
    for entry in items:
        entry["url"] = reverse("catalog:service-detail", args=[entry["code"]])
    response = JsonResponse({"query": q, "items": items}, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=60"
    return response


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
        errors = [_("文件过大（不超过10MB）。")]
    else:
        try:
            result = excel.import_workbook(upload.read(), request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _(
                    "导入成功：新增 %(c)d 项，更新 %(u)d 项，发布新版本 %(v)d 项，未变 %(n)d 项，"
                    "检索词有变化 %(t)d 项。"
                )
                % {
                    "c": result.created,
                    "u": result.updated,
                    "v": result.new_versions,
                    "n": result.unchanged,
                    "t": result.terms_changed,
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


@staff_required
def staff_terms(request):
    """检索词: the words people use for the items of the staff member's scope (同义词, 俗称, with
    their source), and the portal searches that found nothing. Catalogue maintainers add and
    remove words here (the catalog policy: items of their scope); everyone on staff reads."""

    from .models import ItemTerm, ServiceItem, ZeroResultQuery

    can_edit = catalog_policy.can(request.user, "maintain")
    form = forms.TermForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("只有事项目录维护员可以维护检索词。"))
        if "delete" in request.POST:
            delete = forms.DeleteTermForm(request.POST)
            term = (
                ItemTerm.objects.filter(
                    pk=delete.cleaned_data["delete"] if delete.is_valid() else 0,
                    item__in=ServiceItem.objects.visible_to(request.user),
                )
                .select_related("item__department__division")
                .first()
            )
            if term is None:
                raise Http404
            catalog_policy.check(request.user, "maintain", term.item)
            term.delete()
            messages.success(request, _("已删除检索词“%(t)s”。") % {"t": term.term})
            return redirect("catalog:staff-terms")
        if form.is_valid():
            item = (
                ServiceItem.objects.visible_to(request.user)
                .filter(implementation_code=form.cleaned_data["code"].strip())
                .select_related("department__division")
                .first()
            )
            if item is None:
                form.add_error("code", _("没有这个实施编码的事项（或不在您的管理范围内）。"))
            elif not catalog_policy.can(request.user, "maintain", item):
                form.add_error("code", _("该事项不在您的管理范围内。"))
            else:
                try:
                    services.add_term(
                        item=item,
                        term=form.cleaned_data["term"],
                        kind=form.cleaned_data["kind"],
                        source=form.cleaned_data["source"],
                    )
                except ValidationError as exc:
                    for fld, errs in exc.message_dict.items():
                        form.add_error(fld if fld in form.fields else None, errs)
                else:
                    messages.success(
                        request, _("已添加检索词“%(t)s”。") % {"t": form.cleaned_data["term"]}
                    )
                    return redirect("catalog:staff-terms")
        status = 400
    filter_form = forms.StaffListForm(request.GET)
    q = (filter_form.value("q", "") or "").strip()
    terms = ItemTerm.objects.filter(
        item__in=ServiceItem.objects.visible_to(request.user)
    ).select_related("item", "item__division")
    if q:
        terms = terms.filter(
            Q(term__icontains=q) | Q(item__name__icontains=q) | Q(item__implementation_code=q)
        )
    page = filter_form.page_of(terms.order_by("item__name", "item__division__path", "term"))
    return render(
        request,
        "catalog/staff_terms.html",
        {
            "form": form,
            "page": page,
            "q": q,
            "filter_form": filter_form,
            "can_edit": can_edit,
            "zero_results": ZeroResultQuery.objects.order_by("-count", "-last_seen")[:50],
        },
        status=status,
    )
