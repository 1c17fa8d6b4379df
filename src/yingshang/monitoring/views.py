from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingshang.core.views import staff_required

from . import forms, labels, selectors
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
def benchmark_list(request, upload_form=None):
    """对标: comparator entities' component values and Doing Business scores; supervisors
    import a benchmark CSV here (the same check as ``monitoring load-benchmarks``)."""
    filter_form = forms.BenchmarkForm(request.GET)
    result = selectors.benchmark_results(filter_form.value("period"))
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
            "filter_form": filter_form,
            "upload_form": upload_form
            or (
                forms.BenchmarkUploadForm() if policy.can(request.user, "load_benchmarks") else None
            ),
        },
        status=400 if upload_form is not None else 200,
    )


@staff_required
@require_POST
def benchmark_upload(request):
    """导入对标数据: all or nothing; every error of the file is listed beside the file field."""
    from . import benchmarks, services

    policy.check(request.user, "load_benchmarks")
    form = forms.BenchmarkUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            rows = benchmarks.parse(form.cleaned_data["file"], load_definitions())
        except benchmarks.BenchmarkFileError as exc:
            for error in exc.errors[:20]:
                form.add_error("file", error)
        else:
            period = form.cleaned_data["period"]
            n = services.load_benchmarks(rows, period=period, source=form.cleaned_data["source"])
            messages.success(
                request,
                _("已导入 %(n)d 条对标数据（期间 %(period)s）。") % {"n": n, "period": period},
            )
            return redirect(f"{reverse('monitoring:benchmarks')}?period={period}")
    return benchmark_list(request, upload_form=form)


# ------------------------------------------------------------------------------ dashboards

from django.core.exceptions import PermissionDenied  # noqa: E402
from django.http import FileResponse, Http404  # noqa: E402

from . import dashboard as dash  # noqa: E402
from .periods import KINDS, Period  # noqa: E402


def _dashboard_context(request):
    filter_form = forms.DashboardForm(request.GET)
    data = dash.dashboard(
        request.user,
        period=filter_form.chosen_period(),
        division=filter_form.value("division"),
        indicator=filter_form.value("indicator"),
    )
    divisions = selectors.dashboard_divisions(request.user)
    from . import drilldown

    # 明细 only where the drill page answers (the member in scope, with values to drill into)
    dim, member = data["dimension"], data["division"]["id"]
    in_scope = drilldown.available(request.user, dim, member, has_value=True)
    any_values = in_scope and drilldown.available(request.user, dim, member)
    for card in data["cards"]:
        card["drill"] = (
            card["key"] != "composite"
            and in_scope
            and (any_values or card["value"] is not None)
            and drilldown.has_records(card["key"])
        )
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
            "counties": _("各县（市、区）"),
            "county_map": _("各县（市、区）得分图"),
            "ranking": _("部门排名"),
            "no_data": _("无数据"),
            "schematic": _("示意图，非边界地图"),
        },
        "kinds": [(k, labels.period_kind(k)) for k in KINDS],
        "filter_form": filter_form,
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
        ctx = drilldown.context(
            request.user, indicator, dimension, member, Period.parse(kind, period)
        )
    except (KeyError, ValueError) as exc:
        raise Http404 from exc
    return render(request, "monitoring/drill.html", ctx)


@staff_required
def supervision(request):
    from . import supervision as sup

    filter_form = forms.MonthForm(request.GET)
    context = sup.table(request.user, filter_form.chosen_month().start)
    return render(request, "monitoring/supervision.html", {**context, "filter_form": filter_form})


@staff_required
def process(request):
    from . import process as proc

    filter_form = forms.DateRangeForm(request.GET)
    start, end = filter_form.bounds()
    context = proc.context(request.user, start, end)
    return render(
        request,
        "monitoring/process.html",
        {
            **context,
            "filter_form": filter_form,
            "can_export": policy.can(request.user, "export_process_log"),
        },
    )


@staff_required
def process_xes(request):
    """The case event log of the chosen dates as an XES file (supervisors), in the user's
    scope; written to a temporary file (on disk past 8 MB) and sent from there."""
    import io
    import tempfile

    from . import process as proc

    if not policy.can(request.user, "export_process_log"):
        raise PermissionDenied
    filter_form = forms.DateRangeForm(request.GET)
    start, end = filter_form.bounds()
    raw = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    text = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    proc.write_xes(text, start=start, end=end, user=request.user)
    text.detach()
    raw.seek(0)
    name = f"cases-{start:%Y%m%d}-{end:%Y%m%d}.xes"
    return FileResponse(raw, as_attachment=True, filename=name, content_type="application/xml")


@staff_required
def reports(request):
    from . import reports as rep

    form = None
    if request.method == "POST":
        if not policy.can(request.user, "generate_report"):
            raise PermissionDenied
        form = forms.ReportMonthForm(request.POST)
        if form.is_valid():
            rep.generate(form.cleaned_data["month"].start)
            return redirect("monitoring:reports")
    # a bad month is shown next to its field, on the page (400), never a bare error page
    return render(
        request,
        "monitoring/reports.html",
        {**rep.context(request), "form": form},
        status=400 if form is not None else 200,
    )


@staff_required
def report_download(request, name):
    from . import reports as rep

    path = rep.report_path(request.user, name)
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
