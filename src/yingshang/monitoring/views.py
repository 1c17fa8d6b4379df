from django.shortcuts import render

from yingshang.core.views import staff_required

from . import selectors
from .definitions import DB_TOPICS, load_definitions


def _table(defs, topics):
    """Rows for the template: one per topic, components with raw value and score."""
    rows = []
    for topic in DB_TOPICS:
        if topic in topics:
            t = topics[topic]
            rows.append(
                {
                    "key": topic,
                    "name": defs.indicators[topic].name_zh,
                    "score": t["score"],
                    "published": t.get("published"),
                    "components": [
                        {"key": k, "name": defs.indicators[k].name_zh, "score": v}
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
