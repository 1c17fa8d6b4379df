"""REST API of the appeals app (thin: every write calls a service)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from yingshang.core.models import Department
from yingshang.platform import ratelimit
from yingshang.platform.api import (
    LIST_MAX,
    NOTE_MAX,
    AuditContextMixin,
    ScopedViewSetMixin,
    StaffWritePermission,
    related_list,
)
from yingshang.platform.errors import problem_responses

from . import forms, selectors, services
from .models import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Appeal,
    AppealEvent,
    AppealType,
    AppellantKind,
    Channel,
    Commitment,
    Extension,
    QAQuestion,
    QASession,
    Topic,
)


class EventSerializer(serializers.ModelSerializer):
    # the API keeps its keys (``from_status``/``to_status``) over the log's standard fields
    from_status = serializers.CharField(source="from_state", read_only=True)
    to_status = serializers.CharField(source="to_state", read_only=True)

    class Meta:
        model = AppealEvent
        fields = ["action", "from_status", "to_status", "actor_name", "actor_role", "at", "note"]


class AppealSerializer(serializers.ModelSerializer):
    contact_phone = serializers.CharField(source="masked_phone", read_only=True)
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    lead_department_name = serializers.CharField(
        source="lead_department.name", read_only=True, default=None
    )
    repeat_of_number = serializers.CharField(
        source="repeat_of.number", read_only=True, default=None
    )
    deadline_colour = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = [
            "id",
            "number",
            "appellant_kind",
            "uscc",
            "enterprise_name",
            "person_name",
            "id_number",
            "contact_name",
            "contact_phone",
            "channel",
            "appeal_type",
            "topic",
            "title",
            "text",
            "status",
            "lead_department",
            "lead_department_name",
            "co_departments",
            "submitted_at",
            "sign_due",
            "dispatched_at",
            "limit_days",
            "extension_days",
            "due_at",
            "due_provisional",
            "replied_at",
            "reply_text",
            "closed_at",
            "resolved",
            "escalated_at",
            "escalation_reason",
            "repeat_of_number",
            "repeat_score",
            "suggestions",
            "deadline_colour",
        ]
        read_only_fields = fields

    def get_deadline_colour(self, obj) -> str:
        return selectors.deadline_colour(selectors.appeal_due(obj))


class AppealDetailSerializer(AppealSerializer):
    events = EventSerializer(many=True, read_only=True)

    class Meta(AppealSerializer.Meta):
        fields = [*AppealSerializer.Meta.fields, "events"]
        read_only_fields = fields


class AppealInputSerializer(serializers.Serializer):
    """Field checks (USCC, ID number, required text and contact) are the service's: its
    messages come back per field."""

    appellant_kind = serializers.ChoiceField(choices=AppellantKind.choices)
    uscc = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    enterprise_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    person_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    id_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    contact_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=50
    )
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=32
    )
    appeal_type = serializers.ChoiceField(choices=AppealType.choices)
    topic = serializers.ChoiceField(choices=Topic.choices)
    title = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TITLE_MAX_LENGTH
    )
    text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH
    )


class StaffAppealInputSerializer(AppealInputSerializer):
    channel = serializers.ChoiceField(
        choices=[(c, Channel(c).label) for c in services.STAFF_CHANNELS]
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class DispatchSerializer(serializers.Serializer):
    lead_department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    co_departments = related_list(Department.objects.all(), required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH
    )


class ExtensionRequestSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX
    )


class ExtensionDecisionSerializer(serializers.Serializer):
    extension = serializers.IntegerField()
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class SuggestionSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    name = serializers.CharField()
    confidence = serializers.FloatField()


class AppealViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """企业诉求 (staff, scoped): queues, staff entry (hotline, visit, Q&A), sign, dispatch,
    reply, extension, escalation."""

    queryset = Appeal.objects.select_related("lead_department", "repeat_of").prefetch_related(
        "co_departments"
    )
    filterset_fields = ["status", "appeal_type", "topic", "channel", "lead_department"]

    def get_serializer_class(self):
        if self.action == "create":
            return StaffAppealInputSerializer
        if self.action == "retrieve":
            return AppealDetailSerializer
        return AppealSerializer

    @extend_schema(request=StaffAppealInputSerializer, responses={201: AppealDetailSerializer})
    def create(self, request, *args, **kwargs):
        ser = StaffAppealInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        appeal = services.submit_appeal(user=request.user, **ser.validated_data)
        return Response(AppealDetailSerializer(appeal).data, status=status.HTTP_201_CREATED)

    def _done(self, appeal):
        appeal = Appeal.objects.get(pk=appeal.pk)
        return Response(AppealDetailSerializer(appeal).data)

    @extend_schema(request=NoteSerializer, responses=AppealDetailSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        appeal = self.get_object()  # scope first: out of scope is 404 whatever the body
        ser = NoteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._done(services.sign(appeal, request.user, ser.validated_data["note"]))

    @extend_schema(request=DispatchSerializer, responses=AppealDetailSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_to(self, request, pk=None):
        """交办 to a lead department and optional co-handlers."""
        appeal = self.get_object()
        ser = DispatchSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        appeal = services.dispatch(
            appeal,
            request.user,
            d["lead_department"],
            d.get("co_departments", []),
            d["note"],
        )
        return self._done(appeal)

    @extend_schema(responses=SuggestionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def suggestions(self, request, pk=None):
        """Top-3 departments suggested by the dispatch classifier (staff decide)."""
        appeal = self.get_object()
        return Response(services.suggest_departments(appeal.tokens.split()))

    @extend_schema(request=ReplySerializer, responses=AppealDetailSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        appeal = self.get_object()
        ser = ReplySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._done(services.reply(appeal, request.user, ser.validated_data["text"]))

    @extend_schema(request=ExtensionRequestSerializer, responses=AppealDetailSerializer)
    @action(detail=True, methods=["post"])
    def extension(self, request, pk=None):
        appeal = self.get_object()
        ser = ExtensionRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.request_extension(appeal, request.user, **ser.validated_data)
        return self._done(appeal)

    @extend_schema(request=ExtensionDecisionSerializer, responses=AppealDetailSerializer)
    @action(detail=True, methods=["post"])
    def decide_extension(self, request, pk=None):
        appeal = self.get_object()
        ser = ExtensionDecisionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        ext = get_object_or_404(Extension, pk=ser.validated_data["extension"], appeal=appeal)
        services.decide_extension(
            ext, request.user, ser.validated_data["approve"], ser.validated_data["note"]
        )
        return self._done(appeal)

    @extend_schema(request=NoteSerializer, responses=AppealDetailSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        appeal = self.get_object()
        ser = NoteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._done(services.escalate(appeal, request.user, ser.validated_data["note"]))


class PortalAppealSerializer(serializers.ModelSerializer):
    lead_department_name = serializers.CharField(
        source="lead_department.name", read_only=True, default=None
    )
    events = EventSerializer(many=True, read_only=True)

    class Meta:
        model = Appeal
        fields = [
            "number",
            "title",
            "appeal_type",
            "topic",
            "status",
            "submitted_at",
            "lead_department_name",
            "due_at",
            "reply_text",
            "replied_at",
            "resolved",
            "closed_at",
            "events",
        ]
        read_only_fields = fields


class TrackSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=16,
        help_text="查询码 (10 characters, hyphen optional); not needed by the logged-in applicant",
    )


class ConfirmSerializer(TrackSerializer):
    resolved = serializers.BooleanField()
    next_step = serializers.ChoiceField(
        choices=[("reopen", "reopen"), ("escalate", "escalate")], required=False, default="reopen"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class PortalAppealViewSet(AuditContextMixin, viewsets.GenericViewSet):
    """The portal's appeal API: anyone may raise an appeal (anonymous with a contact phone, or
    as a logged-in portal user); follow, confirm and close it with its number and its 查询码
    (returned once, as ``code``, by the creating call) or as the logged-in applicant. Failed
    look-ups and anonymous submissions are rate-limited (429 with Retry-After)."""

    permission_classes = [permissions.AllowAny]
    serializer_class = PortalAppealSerializer
    queryset = Appeal.objects.none()

    @extend_schema(request=AppealInputSerializer, responses={201: PortalAppealSerializer})
    def create(self, request):
        if not request.user.is_authenticated:
            limit = ratelimit.Limit(request, "appeals.submit", rate=settings.SUBMISSION_RATE)
            limit.check()
            limit.fail()
        ser = AppealInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        appeal = services.submit_appeal(
            user=request.user if request.user.is_authenticated else None,
            channel=Channel.API,
            **ser.validated_data,
        )
        data = dict(PortalAppealSerializer(appeal).data)
        data["code"] = appeal.lookup_code  # the 查询码: shown here once, never stored
        return Response(data, status=status.HTTP_201_CREATED)

    def _lookup(self, request, d):
        limit = ratelimit.Limit(request, "appeals.track", target=d["number"])
        limit.check()
        appeal, verified = selectors.portal_lookup(d["number"], d["code"], request.user)
        limit.attempt(appeal is not None)
        return appeal, verified

    @extend_schema(
        request=TrackSerializer, responses={200: PortalAppealSerializer, **problem_responses(404)}
    )
    @action(detail=False, methods=["post"])
    def track(self, request):
        ser = TrackSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        appeal, _v = self._lookup(request, ser.validated_data)
        if appeal is None:
            raise NotFound()
        return Response(PortalAppealSerializer(appeal).data)

    @extend_schema(
        request=ConfirmSerializer, responses={200: PortalAppealSerializer, **problem_responses(404)}
    )
    @action(detail=False, methods=["post"])
    def confirm(self, request):
        ser = ConfirmSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        appeal, verified = self._lookup(request, d)
        if appeal is None:
            raise NotFound()
        services.confirm(
            appeal, request.user, d["resolved"], d["next_step"], d["note"], verified=verified
        )
        return Response(PortalAppealSerializer(Appeal.objects.get(pk=appeal.pk)).data)


class CommitmentSerializer(serializers.ModelSerializer):
    owner_department_name = serializers.CharField(source="owner_department.name", read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "session",
            "question",
            "content",
            "owner_department",
            "owner_department_name",
            "deadline",
            "status",
            "progress_note",
            "completed_at",
        ]
        read_only_fields = fields


class QuestionSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, default=None)
    answering_department_name = serializers.CharField(
        source="answering_department.name", read_only=True
    )
    commitments = CommitmentSerializer(many=True, read_only=True)

    class Meta:
        model = QAQuestion
        fields = [
            "id",
            "order",
            "enterprise_name",
            "asker",
            "question",
            "answering_department_name",
            "answer",
            "commitments",
        ]


class QASessionSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)
    enterprise_count = serializers.IntegerField(source="enterprises.count", read_only=True)

    class Meta:
        model = QASession
        fields = [
            "id",
            "title",
            "date",
            "theme",
            "venue",
            "leaders",
            "departments",
            "enterprise_count",
            "questions",
        ]


class QASessionInputSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    date = serializers.DateField()
    theme = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    venue = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    leaders = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX
    )
    departments = related_list(Department.objects.all(), required=False)
    enterprises = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        max_length=LIST_MAX,
        help_text="USCCs of invited enterprises (each must be registered)",
    )

    def validate_enterprises(self, codes):
        # a Django ValidationError here is a 400 on the field (DRF's to_internal_value)
        return forms.registered_enterprises(codes)


class QuestionInputSerializer(serializers.Serializer):
    question = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH
    )
    answering_department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    answer = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH
    )
    enterprise = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="USCC", max_length=32
    )
    asker = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    commitment_content = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH
    )
    commitment_deadline = serializers.DateField(required=False, allow_null=True, default=None)

    def validate_enterprise(self, code):
        return forms.registered_enterprises([code])[0] if code.strip() else None


class QASessionViewSet(AuditContextMixin, viewsets.ReadOnlyModelViewSet):
    """政企面对面: the public record of every session, its questions, answers and commitments.
    The service office records sessions (POST) and their questions (POST …/questions/); an answer
    that promises action becomes a commitment (commitment_content + commitment_deadline)."""

    serializer_class = QASessionSerializer

    def get_permissions(self):
        if self.action in {"create", "questions"}:
            return [StaffWritePermission()]
        return [permissions.AllowAny()]

    def get_queryset(self):
        return selectors.public_sessions().prefetch_related(
            "questions__commitments__owner_department",
            "questions__enterprise",
            "questions__answering_department",
            "departments",
        )

    @extend_schema(request=QASessionInputSerializer, responses={201: QASessionSerializer})
    def create(self, request):
        ser = QASessionInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        s = services.create_session(
            user=request.user,
            title=d["title"],
            date=d["date"],
            theme=d["theme"],
            venue=d["venue"],
            leaders=d["leaders"],
            departments=d.get("departments", []),
            enterprises=d.get("enterprises", []),
        )
        return Response(QASessionSerializer(s).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=QuestionInputSerializer, responses={201: QuestionSerializer})
    @action(detail=True, methods=["post"])
    def questions(self, request, pk=None):
        # sessions are read publicly, but written only inside the caller's subtree (404)
        session = get_object_or_404(QASession.objects.visible_to(request.user), pk=pk)
        ser = QuestionInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        commitment = None
        if d["commitment_content"] or d["commitment_deadline"]:
            commitment = {"content": d["commitment_content"], "deadline": d["commitment_deadline"]}
        q = services.add_question(
            session,
            user=request.user,
            question=d["question"],
            answering_department=d["answering_department"],
            answer=d["answer"],
            enterprise=d["enterprise"],
            asker=d["asker"],
            commitment=commitment,
        )
        return Response(QuestionSerializer(q).data, status=status.HTTP_201_CREATED)


class CommitmentStepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[(a, a) for a in ("start", "progress", "complete", "verify", "reject")]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class CommitmentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """承诺事项 (staff, scoped: the owner department sees its own)."""

    queryset = Commitment.objects.select_related("owner_department")
    serializer_class = CommitmentSerializer
    filterset_fields = ["status", "session", "owner_department"]

    @extend_schema(request=CommitmentStepSerializer, responses=CommitmentSerializer)
    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        commitment = self.get_object()  # scope first: out of scope is 404 whatever the body
        ser = CommitmentStepSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        c = services.commitment_step(
            commitment,
            request.user,
            ser.validated_data["action"],
            ser.validated_data["note"],
        )
        return Response(CommitmentSerializer(c).data)


router = SimpleRouter()
router.register("portal", PortalAppealViewSet, basename="portal-appeal")
router.register("sessions", QASessionViewSet, basename="qasession")
router.register("commitments", CommitmentViewSet, basename="commitment")
router.register("", AppealViewSet, basename="appeal")
