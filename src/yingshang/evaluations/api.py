"""REST API of 好差评 (thin: writes call services)."""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from yingshang.platform.api import CODE_MAX, NOTE_MAX, AuditContextMixin, ScopedViewSetMixin
from yingshang.platform.query import YearField, validated_query

from . import selectors, services
from .models import EvalChannel, Evaluation, Rectification, RectificationEvent


class EvaluationSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    subject_type = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "subject_type",
            "object_id",
            "subject_label",
            "department",
            "department_name",
            "channel",
            "level",
            "dimensions",
            "comment",
            "created_at",
            "voided",
        ]
        read_only_fields = fields

    def get_subject_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"


class EvaluationInputSerializer(serializers.Serializer):
    subject_type = serializers.CharField(
        max_length=CODE_MAX, help_text="app_label.model, e.g. appeals.appeal"
    )
    subject_id = serializers.CharField(max_length=CODE_MAX)
    level = serializers.IntegerField(help_text="5 非常满意 … 1 非常不满意")
    channel = serializers.ChoiceField(choices=EvalChannel.choices, required=False)
    dimensions = serializers.DictField(child=serializers.IntegerField(), required=False)
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX
    )


def resolve_subject(subject_type: str, subject_id: str):
    """The subject model instance, if the model implements the evaluation protocol."""
    try:
        model = apps.get_model(subject_type)
    except (LookupError, ValueError):
        model = None
    if model is None or not hasattr(model, "evaluation_subject_info"):
        raise DjangoValidationError({"subject_type": _("不可评价的事项类型。")})
    obj = (
        model._default_manager.filter(pk=subject_id).first() if str(subject_id).isdigit() else None
    )
    if obj is None:
        raise DjangoValidationError({"subject_id": _("评价事项不存在。")})
    return obj


class EvaluationViewSet(
    AuditContextMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """好差评. Staff list the ratings of their scope; an applicant rates a finished subject
    (POST), once per channel."""

    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["department", "level", "channel"]

    def get_serializer_class(self):
        return EvaluationInputSerializer if self.action == "create" else EvaluationSerializer

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Evaluation.objects.none()
        if user.is_staff_member:
            return selectors.evaluations_for(user).select_related("content_type")
        return Evaluation.objects.filter(evaluator=user).select_related(
            "content_type", "department"
        )

    @extend_schema(request=EvaluationInputSerializer, responses={201: EvaluationSerializer})
    def create(self, request):
        ser = EvaluationInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        subject = resolve_subject(d["subject_type"], d["subject_id"])
        ev = services.submit_evaluation(
            subject,
            request.user,
            d["level"],
            d.get("dimensions") or {},
            d["comment"],
            channel=d.get("channel"),
        )
        return Response(EvaluationSerializer(ev).data, status=status.HTTP_201_CREATED)


class RectEventSerializer(serializers.ModelSerializer):
    # the API keeps its keys (``from_status``/``to_status``) over the log's standard fields
    from_status = serializers.CharField(source="from_state", read_only=True)
    to_status = serializers.CharField(source="to_state", read_only=True)

    class Meta:
        model = RectificationEvent
        fields = ["action", "from_status", "to_status", "actor_name", "at", "note"]


class RectificationSerializer(serializers.ModelSerializer):
    evaluation = EvaluationSerializer(read_only=True)
    events = RectEventSerializer(many=True, read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "evaluation",
            "department",
            "status",
            "opened_at",
            "due_at",
            "due_provisional",
            "verification_note",
            "contest_reason",
            "decision_note",
            "measures",
            "callback_note",
            "verdict_satisfied",
            "verdict_note",
            "closed_at",
            "rounds",
            "events",
        ]
        read_only_fields = fields


class StepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[
            (a, a)
            for a in (
                "verify",
                "contest",
                "uphold",
                "overturn",
                "report",
                "callback",
                "accept",
                "reject",
            )
        ]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class RectificationViewSet(AuditContextMixin, viewsets.ReadOnlyModelViewSet):
    """差评整改: the evaluated department (scoped), the bureau, and the evaluator (their own)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = RectificationSerializer
    filterset_fields = ["status", "department"]

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Rectification.objects.none()
        qs = (
            selectors.rectifications_for(user)
            if user.is_staff_member
            else selectors.rectifications_of_evaluator(user)
        )
        return qs.prefetch_related("events").select_related("evaluation__content_type")

    @extend_schema(request=StepSerializer, responses=RectificationSerializer)
    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        rect = self.get_object()  # scope first: out of scope is 404 whatever the body
        ser = StepSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        rect = services.rectification_step(
            rect,
            request.user,
            ser.validated_data["action"],
            ser.validated_data["note"],
        )
        return Response(RectificationSerializer(Rectification.objects.get(pk=rect.pk)).data)


class StatRowSerializer(serializers.Serializer):
    month = serializers.CharField()
    department_id = serializers.IntegerField()
    department = serializers.CharField()
    total = serializers.IntegerField()
    good = serializers.IntegerField()
    bad = serializers.IntegerField()
    rectified = serializers.IntegerField()
    good_rate = serializers.FloatField(allow_null=True)
    rectify_rate = serializers.FloatField(allow_null=True)


class StatsQuerySerializer(serializers.Serializer):
    year = YearField(required=False)


class StatsView(APIView):
    """Public: per-department 好评率 and 差评整改率 by month."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[StatsQuerySerializer], responses=StatRowSerializer(many=True))
    def get(self, request):
        year = validated_query(request, StatsQuerySerializer).get("year")
        return Response(selectors.monthly_stats(year))


router = SimpleRouter()
# "api-…": the router's URL names share the app's namespace with the pages — a plain
# "rectification-detail" shadowed the staff page of that name (its list and the step's
# redirect led to the API)
router.register("rectifications", RectificationViewSet, basename="api-rectification")
router.register("", EvaluationViewSet, basename="api-evaluation")

__all__ = ["ContentType", "ScopedViewSetMixin", "router", "StatsView"]
