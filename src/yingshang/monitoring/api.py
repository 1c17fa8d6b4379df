"""REST API of the monitoring app (read-only)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from yingshang.core.api import AuditContextMixin, StaffWritePermission

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
