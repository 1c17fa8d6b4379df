from django.shortcuts import render
from django.utils.translation import gettext as _

from yingshang.core.views import staff_required

from . import selectors
from .definitions import DB_TOPICS, load_definitions
from .policies import policy


def _table(defs, topics):
    """Rows for the template: one per topic, components with raw value and score."""
    rows = []
    for topic in DB_TOPICS:
        if topic in topics:
            t = topics[topic]
            rows.append(
                {
                    "key": topic,
                    "name": defs.indicators[topic].name,
                    "score": t["score"],
                    "published": t.get("published"),
                    "components": [
                        {"key": k, "name": defs.indicators[k].name, "score": v}
                        for k, v in t["components"].items()
                    ],
                }
            )
    return rows


@staff_required
def benchmark_list(request):
    """对标: comparator entities' component values and Doing Business scores."""
    result = selectors.benchmark_results(request.GET.get("period") or None)
    defs = load_definitions()
    entities = [
        {
            "name": name,
            "weight": data["weight"],
            "values": data["values"],
            "topics": _table(defs, data["topics"]),
        }
        for name, data in result["entities"].items()
    ]
    parents = [
        {"name": name, "cities": data["cities"], "topics": _table(defs, data["topics"])}
        for name, data in result["parents"].items()
    ]
    return render(
        request,
        "monitoring/benchmarks.html",
        {
            "period": result["period"],
            "periods": result["periods"],
            "sources": result["sources"],
            "entities": entities,
            "parents": parents,
        },
    )


# ------------------------------------------------------------------------------ dashboards

from django.core.exceptions import PermissionDenied  # noqa: E402
from django.http import FileResponse, Http404  # noqa: E402
from django.shortcuts import redirect  # noqa: E402

from yingshang.core.models import Division, DivisionLevel  # noqa: E402

from . import dashboard as dash  # noqa: E402
from .periods import KINDS  # noqa: E402


def _dashboard_context(request):
    try:
        data = dash.dashboard(
            request.user,
            kind=request.GET.get("kind"),
            period=request.GET.get("period"),
            division=request.GET.get("division"),
            indicator=request.GET.get("indicator"),
        )
    except ValueError as exc:
        raise Http404 from exc
    divisions = Division.objects.visible_to(request.user).filter(
        level__in=[DivisionLevel.CITY, DivisionLevel.COUNTY]
    )
    if not request.user.is_superuser and request.user.division_id:
        depth = request.user.division.path.count("/")
        divisions = [d for d in divisions if d.path.count("/") >= depth]
    defs = load_definitions()
    geojson = (
        dash.county_geojson(defs)
        if (data.get("county_map") or {}).get("type") == "geojson"
        else None
    )
    return {
        "data": data,
        "county_geojson": geojson,
        "labels": {
            "trend": _("趋势"),
            "counties": _("各县(市、区)"),
            "county_map": _("各县(市、区)得分图"),
            "ranking": _("部门排名"),
            "no_data": _("无数据"),
            "schematic": _("示意图, 非边界地图"),
        },
        "kinds": KINDS,
        "divisions": divisions,
        "indicators": [(k, i.name) for k, i in defs.indicators.items() if i.has_bounds],
    }


@staff_required
def dashboard(request):
    """监测看板 (desk dashboard)."""
    return render(request, "monitoring/dashboard.html", _dashboard_context(request))


@staff_required
def screen(request):
    """大屏: the same data, full screen, dark, refreshed every 5 minutes."""
    return render(request, "monitoring/screen.html", _dashboard_context(request))


@staff_required
def drill(request, indicator, dimension, member, kind, period):
    from . import drilldown

    try:
        ctx = drilldown.context(request.user, indicator, dimension, member, kind, period)
    except (KeyError, ValueError) as exc:
        raise Http404 from exc
    return render(request, "monitoring/drill.html", ctx)


@staff_required
def supervision(request):
    from . import supervision as sup

    return render(request, "monitoring/supervision.html", sup.context(request))


@staff_required
def process(request):
    from . import process as proc

    return render(request, "monitoring/process.html", proc.context(request))


@staff_required
def reports(request):
    from . import reports as rep

    if request.method == "POST":
        if not policy.can(request.user, "generate_report"):
            raise PermissionDenied
        try:
            month = rep.parse_month(request.POST.get("month", ""))
        except ValueError as exc:
            from django.http import HttpResponseBadRequest

            return HttpResponseBadRequest(str(exc))
        rep.generate(month)
        return redirect("monitoring:reports")
    return render(request, "monitoring/reports.html", rep.context(request))


@staff_required
def report_download(request, name):
    from . import reports as rep

    path = rep.report_path(request.user, name)
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
