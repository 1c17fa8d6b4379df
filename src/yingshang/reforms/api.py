"""REST API of reform-task supervision: programmes, tasks, progress reports (scoped; writes go
through services)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from yingshang.platform.api import NOTE_MAX, TEXT_MAX, ScopedViewSetMixin
from yingshang.platform.errors import problem_responses
from yingshang.platform.uploads import REFORM_EVIDENCE

from . import selectors, services
from .models import Programme, ProgressReport, Task


class ProgrammeSerializer(serializers.ModelSerializer):
    division_code = serializers.CharField(source="division.code", read_only=True)
    progress = serializers.SerializerMethodField()
    task_count = serializers.SerializerMethodField()

    class Meta:
        model = Programme
        fields = [
            "id",
            "title",
            "doc_number",
            "issue_date",
            "year",
            "reporting_cycle",
            "lag_margin",
            "division_code",
            "progress",
            "task_count",
            "slug",
            "published_at",
        ]
        read_only_fields = ["slug", "published_at"]

    def get_progress(self, obj) -> float:
        return float(selectors.overall(obj))

    def get_task_count(self, obj) -> int:
        return obj.tasks.count()


class TaskSerializer(serializers.ModelSerializer):
    measure_number = serializers.IntegerField(source="measure.number", read_only=True)
    measure = serializers.CharField(source="measure.title", read_only=True)
    lead_units = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    partner_units = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    light = serializers.CharField(read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "programme",
            "number",
            "measure_number",
            "measure",
            "content",
            "leader_name",
            "leader_title",
            "lead_units",
            "partner_units",
            "collective_units",
            "deadline_kind",
            "deadline",
            "deadline_text",
            "reporting_cycle",
            "start_date",
            "expected_outputs",
            "indicator_keys",
            "weight",
            "progress",
            "state",
            "light",
            "last_report_on",
            "completed_on",
            "closed_at",
            "is_public",
        ]


class ProgressReportSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.name", read_only=True)
    files = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "task",
            "department",
            "submitted_at",
            "period",
            "percent",
            "text",
            "decrease_reason",
            "status",
            "reviewed_at",
            "review_note",
            "files",
        ]
        read_only_fields = ["submitted_at", "period", "status", "reviewed_at", "review_note"]

    def get_files(self, obj) -> list[dict]:
        return [
            {"id": f.pk, "name": f.original_name, "kind": f.kind, "size": f.size}
            for f in obj.files.all()
        ]


class ReportCreateSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=6, decimal_places=2)
    text = serializers.CharField(max_length=TEXT_MAX)
    decrease_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=REFORM_EVIDENCE.max_files,
    )


class ReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class PublicationSerializer(serializers.Serializer):
    published = serializers.BooleanField(
        help_text="true: publish (公开); false: withdraw / withhold"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    def validate(self, attrs):
        # form input treats a missing boolean as false; an explicit choice is required here
        if "published" not in self.initial_data:
            raise serializers.ValidationError(
                {"published": _("请指明公开（true）或取消公开（false）。")}
            )
        return attrs


def _publication(request, obj, publish, withdraw, serializer_class):
    """``POST …/publication/`` ``{published, note}`` through the services."""
    ser = PublicationSerializer(data=request.data)
    ser.is_valid(raise_exception=True)
    call = publish if ser.validated_data["published"] else withdraw
    kwargs = {"note": ser.validated_data["note"]} if call is services.withhold_task else {}
    try:
        obj = call(obj, user=request.user, **kwargs)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    return Response(serializer_class(obj).data)


class ProgrammeViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """工作方案 within the caller's subtree, with rolled-up progress."""

    queryset = Programme.objects.select_related("division")
    serializer_class = ProgrammeSerializer
    filterset_fields = ["year"]

    @extend_schema(request=PublicationSerializer, responses={200: ProgrammeSerializer})
    @action(detail=True, methods=["post"])
    def publication(self, request, pk=None):
        """政务公开: publish the programme (public pages, open data, feed) or withdraw it."""
        return _publication(
            request,
            self.get_object(),
            services.publish_programme,
            services.unpublish_programme,
            ProgrammeSerializer,
        )


class TaskViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """任务: department-bound roles see the tasks their department leads or joins."""

    queryset = Task.objects.select_related("measure", "programme").prefetch_related(
        "lead_units", "partner_units"
    )
    serializer_class = TaskSerializer
    filterset_fields = [
        "programme",
        "state",
        "measure",
        "leader_name",
        "deadline_kind",
        "is_public",
    ]

    @extend_schema(request=PublicationSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def publication(self, request, pk=None):
        """Show the task on its published programme's public page, or withhold it."""
        return _publication(
            request,
            self.get_object(),
            services.publish_task,
            services.withhold_task,
            TaskSerializer,
        )


class ProgressReportViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """进度报告: lead units submit; the bureau reviews (``POST …/{id}/review/``)."""

    queryset = ProgressReport.objects.select_related("department", "task").prefetch_related("files")
    serializer_class = ProgressReportSerializer
    filterset_fields = ["task", "status", "task__programme"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        # reports of tasks the caller can see
        return super().get_queryset().filter(task__in=Task.objects.visible_to(self.request.user))

    @extend_schema(
        request=ReportCreateSerializer,
        responses={201: ProgressReportSerializer, **problem_responses(404)},
    )
    def create(self, request, *args, **kwargs):
        ser = ReportCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        task = Task.objects.get_visible_or_404(request.user, pk=ser.validated_data["task"])
        try:
            report = services.submit_report(
                task,
                user=request.user,
                percent=ser.validated_data["percent"],
                text=ser.validated_data["text"],
                decrease_reason=ser.validated_data["decrease_reason"],
                files=request.FILES.getlist("files"),
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(ProgressReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReviewSerializer, responses={200: ProgressReportSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        report = self.get_object()
        ser = ReviewSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            report = services.review_report(
                report,
                user=request.user,
                accept=ser.validated_data["accept"],
                note=ser.validated_data["note"],
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        report.refresh_from_db()
        return Response(ProgressReportSerializer(report).data)


router = DefaultRouter()
router.register("programmes", ProgrammeViewSet, basename="reform-programme")
router.register("tasks", TaskViewSet, basename="reform-task")
router.register("reports", ProgressReportViewSet, basename="reform-report")
