"""REST API of the monitoring app (read-only)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from yingshang.platform.api import AuditContextMixin, StaffWritePermission
from yingshang.platform.errors import problem_responses

from . import selectors
from .models import BenchmarkValue


class BenchmarkValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenchmarkValue
        fields = ["id", "entity", "indicator", "value", "weight", "period", "source"]


class TopicScoreSerializer(serializers.Serializer):
    topic = serializers.CharField()
    score = serializers.FloatField()
    published = serializers.FloatField(allow_null=True)
    components = serializers.DictField(child=serializers.FloatField())


class BenchmarkScoreSerializer(serializers.Serializer):
    entity = serializers.CharField()
    kind = serializers.ChoiceField(choices=["entity", "parent"])
    weight = serializers.FloatField(allow_null=True)
    period = serializers.CharField()
    topics = TopicScoreSerializer(many=True)


def _topics(topics):
    return [
        {
            "topic": key,
            "score": t["score"],
            "published": t.get("published"),
            "components": t["components"],
        }
        for key, t in topics.items()
    ]


class BenchmarkValueViewSet(AuditContextMixin, viewsets.ReadOnlyModelViewSet):
    """对标数据: stored comparator values."""

    queryset = BenchmarkValue.objects.all()
    serializer_class = BenchmarkValueSerializer
    permission_classes = [StaffWritePermission]
    filterset_fields = ["period", "entity", "indicator"]


class BenchmarkScoreViewSet(AuditContextMixin, viewsets.ViewSet):
    """对标得分: Doing Business 2020 scores of the comparator entities of a period."""

    permission_classes = [StaffWritePermission]
    serializer_class = BenchmarkScoreSerializer

    @extend_schema(
        parameters=[OpenApiParameter("period", str, description="default: the latest period")],
        responses=BenchmarkScoreSerializer(many=True),
    )
    def list(self, request):
        result = selectors.benchmark_results(request.query_params.get("period") or None)
        items = [
            {
                "entity": name,
                "kind": "entity",
                "weight": data["weight"],
                "period": result["period"],
                "topics": _topics(data["topics"]),
            }
            for name, data in result["entities"].items()
        ] + [
            {
                "entity": name,
                "kind": "parent",
                "weight": None,
                "period": result["period"],
                "topics": _topics(data["topics"]),
            }
            for name, data in result["parents"].items()
        ]
        return Response(BenchmarkScoreSerializer(items, many=True).data)


router = DefaultRouter()
router.register("benchmark-values", BenchmarkValueViewSet)
router.register("benchmark-scores", BenchmarkScoreViewSet, basename="benchmark-score")


# --------------------------------------------------------------------- live indicator values

from yingshang.platform.api import ScopedViewSetMixin  # noqa: E402

from . import dashboard as dash  # noqa: E402
from .models import IndicatorValue  # noqa: E402


class IndicatorValueSerializer(serializers.ModelSerializer):
    display = serializers.SerializerMethodField()

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "period_kind",
            "period_start",
            "dimension",
            "dimension_id",
            "value",
            "display",
            "numerator",
            "denominator",
            "computed_at",
            "definitions_version",
        ]

    def get_display(self, obj) -> str:
        return dash.fmt(obj.value)


class IndicatorValueViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """指标值: the stored time series, scoped (a county sees its county). ``value`` null = 无数据."""

    queryset = IndicatorValue.objects.all().order_by("indicator", "period_kind", "period_start")
    serializer_class = IndicatorValueSerializer
    filterset_fields = {
        "indicator": ["exact"],
        "period_kind": ["exact"],
        "period_start": ["exact", "gte", "lte"],
        "dimension": ["exact"],
        "dimension_id": ["exact"],
    }


_card_fields = {
    "key": serializers.CharField(),
    "name": serializers.CharField(),
    "group": serializers.CharField(),
    "unit": serializers.CharField(),
    "value": serializers.FloatField(allow_null=True),
    "display": serializers.CharField(),
    "score": serializers.FloatField(allow_null=True),
    "best": serializers.FloatField(),
    "worst": serializers.FloatField(),
    "gap_to_frontier": serializers.FloatField(allow_null=True),
    "previous": serializers.FloatField(allow_null=True),
    "benchmarks": serializers.ListField(child=serializers.DictField()),
}
CardSerializer = type("MonitoringCardSerializer", (serializers.Serializer,), _card_fields)

_dashboard_fields = {
    "kind": serializers.CharField(),
    "period": serializers.CharField(),
    "period_start": serializers.DateField(),
    "period_end": serializers.DateField(),
    "dimension": serializers.CharField(),
    "division": serializers.DictField(),
    "indicator": serializers.CharField(),
    "cards": CardSerializer(many=True),
    "trend": serializers.ListField(child=serializers.DictField()),
    "counties": serializers.ListField(child=serializers.DictField()),
    "ranking": serializers.ListField(child=serializers.DictField()),
}
DashboardSerializer = type(
    "MonitoringDashboardSerializer", (serializers.Serializer,), _dashboard_fields
)


class _ObjectAnswerSchema(AutoSchema):
    def _is_list_view(self, serializer=None):
        return False


class DashboardViewSet(AuditContextMixin, viewsets.ViewSet):
    """监测看板: cards (value, frontier score, gap, benchmarks), trend, counties, ranking of one
    period for the city or a county, from stored values. A division outside the caller's scope
    answers 404."""

    permission_classes = [StaffWritePermission]
    serializer_class = DashboardSerializer
    schema = _ObjectAnswerSchema()  # one dashboard object, though the action is ``list``

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=["day", "week", "month", "quarter", "year"]),
            OpenApiParameter("period", str, description="2026-10, 2026-Q4, 2026-W42, 2026 …"),
            OpenApiParameter("division", int, description="city or county id (default: own)"),
            OpenApiParameter("indicator", str, description="trend/ranking indicator"),
        ],
        responses={200: DashboardSerializer, **problem_responses(404)},
    )
    def list(self, request):
        from rest_framework.exceptions import ValidationError as DRFValidationError

        from .forms import DashboardForm

        # the page's filter form: a bad kind, period or division is a 400 naming the field, in
        # the request's language (the page reports it and uses the default instead)
        form = DashboardForm(request.query_params)
        if not form.is_valid():
            raise DRFValidationError({f: [str(m) for m in e] for f, e in form.errors.items()})
        data = dash.dashboard(
            request.user,
            period=form.chosen_period(),
            division=form.value("division"),
            indicator=form.value("indicator"),
        )
        return Response(data)


router.register("values", IndicatorValueViewSet, basename="indicator-value")
router.register("dashboard", DashboardViewSet, basename="monitoring-dashboard")
