"""REST API of cases: /api/cases/ — list (filters, pagination), detail, submission by a system
(token auth), and one POST endpoint per transition. Scoped like the workbench pages."""

import base64
import binascii

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from yingshang.platform.api import (
    LIST_MAX,
    NOTE_MAX,
    BuiltFieldsMixin,
    CachedTokenAuthentication,
    CappedCountPagination,
    ScopedTokenAuthentication,
    ScopedViewSetMixin,
)
from yingshang.platform.query import IdFilter

from . import payload, selectors, services, sla, workflow
from .models import Case, Channel, SlaState, Status


class CaseSerializer(BuiltFieldsMixin, serializers.ModelSerializer):
    # a method field, not source="get_status_display": DRF inspects a callable source's
    # signature on every row (inspect.signature, a tenth of the case list's time in the profile)
    status_label = serializers.SerializerMethodField()
    item_code = serializers.CharField(
        source="item.implementation_code", read_only=True, default=None
    )
    bundle_key = serializers.CharField(source="bundle.key", read_only=True, default=None)
    department_name = serializers.CharField(source="department.name", read_only=True)
    division_code = serializers.CharField(source="division.code", read_only=True)
    applicant_code = serializers.CharField(source="masked_applicant_code", read_only=True)
    parent_number = serializers.CharField(source="parent.number", read_only=True, default=None)
    sla_state = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "number",
            "title",
            "status",
            "status_label",
            "step",
            "outcome",
            "reason",
            "item_code",
            "bundle_key",
            "parent_number",
            "department",
            "department_name",
            "division_code",
            "channel",
            "applicant_kind",
            "applicant_name",
            "applicant_code",
            "submitted_at",
            "accepted_at",
            "completed_at",
            "delivered_at",
            "limit_days",
            "due_at",
            "due_provisional",
            "paused_days",
            "sla_state",
            "working_days_used",
            "days_saved",
            "missing_materials",
            "visits",
            "visits_required",
            "multiple_trips",
            "lock_version",
        ]
        read_only_fields = fields

    def get_sla_state(self, obj) -> str:
        return sla.state_of(obj)

    def get_status_label(self, obj) -> str:
        return obj.get_status_display()


class CaseDetailSerializer(CaseSerializer):
    children = CaseSerializer(many=True, read_only=True)
    events = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["children", "events", "materials"]
        read_only_fields = fields

    def get_events(self, obj) -> list[dict]:
        return [
            {
                "at": e.at,
                "action": e.action,
                "from_status": e.from_state,
                "to_status": e.to_state,
                "actor": e.actor_name,
                "role": e.actor_role,
                "channel": e.channel,
                "note": e.note,
            }
            for e in obj.events.all()
        ]

    def get_materials(self, obj) -> list[dict]:
        return [
            {
                "name": m.name,
                "source": m.source,
                "licence": m.licence.number if m.licence_id else None,
                "content_type": m.content_type,
                "size": m.size,
                "round": m.round,
            }
            for m in obj.materials.select_related("licence")
        ]


class CaseCreatedSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    department = serializers.IntegerField()
    channel = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    limit_days = serializers.IntegerField()


CaseCreateSerializer = payload.CaseCreateSerializer


class CaseBatchSerializer(serializers.Serializer):
    submissions = serializers.ListField(
        child=CaseCreateSerializer(),
        max_length=services.BATCH_MAX,
        help_text=gettext_lazy("申报列表，最多 500 件"),
    )


class CaseBatchCreatedSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    cases = CaseCreatedSerializer(many=True)


class TransitionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)
    missing = serializers.ListField(
        child=serializers.JSONField(), required=False, max_length=LIST_MAX
    )
    suspend_reason = serializers.ChoiceField(
        choices=["hearing", "expert", "notice", "inspection"], required=False
    )
    outcome = serializers.ChoiceField(choices=["approved", "denied"], required=False)
    method = serializers.ChoiceField(choices=["delivery", "pickup", "electronic"], required=False)
    expected_version = serializers.IntegerField(required=False, min_value=0)
    new_enterprise_uscc = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=18,
        help_text=gettext_lazy(
            "企业开办的设立登记办结准予（complete，或审批 approve）时必填：新设企业的统一社会信用代码"
            "（18 位，校验位正确，登记库中尚无）；企业随之登记，营业执照发给企业。"
        ),
    )
    new_enterprise_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=gettext_lazy("新设企业名称；不填则用申请表中的拟设立企业名称。"),
    )
    confirm = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy(
            "办结、提交审批、审批、退回重审和不予受理须为 true（并填写 note 或 reason 意见）。"
        ),
    )


class CaseFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices)
    item = filters.CharFilter(field_name="item__implementation_code")
    department = IdFilter(field_name="department_id")
    division = filters.CharFilter(field_name="division__code")
    channel = filters.ChoiceFilter(choices=Channel.choices)
    sla_state = filters.ChoiceFilter(choices=SlaState.choices, method="filter_sla")
    submitted_from = filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_to = filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")
    q = filters.CharFilter(method="filter_q", help_text=gettext_lazy("办件编号或申请人"))
    top_level = filters.BooleanFilter(field_name="parent", lookup_expr="isnull")

    class Meta:
        model = Case
        fields = []

    def filter_sla(self, qs, name, value):
        return qs.filter(sla.state_q(value, timezone.now()))

    def filter_q(self, qs, name, value):
        return selectors.search(qs, value)


def _files(materials) -> dict:
    files, errors = {}, {}
    for i, m in enumerate(materials or []):
        try:
            raw = base64.b64decode(m["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            errors[f"materials[{i}].content_base64"] = [_("不是有效的 Base64 内容。")]
            continue
        files[m["key"]] = SimpleUploadedFile(m["filename"], raw)
    if errors:
        raise serializers.ValidationError(errors)
    return files


def _submission(data) -> dict:
    """``services.submit``'s keyword arguments for one payload (checked by the one payload
    declaration, ``payload.clean``); DRF field errors otherwise."""
    d = payload.clean(data)
    return {
        "item": d.get("item"),
        "bundle": d.get("bundle"),
        "division": d.get("division"),
        "applicant_kind": d["applicant_kind"],
        "applicant_code": d["applicant_code"],
        "applicant_name": d.get("applicant_name", ""),
        "applicant_phone": d.get("applicant_phone", ""),
        "channel": d["channel"],
        "form_data": d.get("form_data") or {},
        "files": _files(d.get("materials")),
    }


def _field_errors(exc: serializers.ValidationError) -> dict:
    detail = exc.detail
    return detail if isinstance(detail, dict) else {"non_field_errors": detail}


def submit_batch(submissions, user) -> list:
    """批量申报 (``services.submit_many``): every payload is checked by the same declaration as
    a single submission; errors come back together, keyed ``submissions[<position>].<field>``."""
    if not isinstance(submissions, list) or not submissions:
        raise serializers.ValidationError({"submissions": [_("请提交申报列表（submissions）。")]})
    if len(submissions) > services.BATCH_MAX:
        raise serializers.ValidationError(
            {"submissions": [_("每批最多 %(n)d 件。") % {"n": services.BATCH_MAX}]}
        )
    entries = []
    for raw in submissions:
        try:
            entries.append(_submission(raw))
        except serializers.ValidationError as exc:
            entries.append(services.Invalid(_field_errors(exc)))
    try:
        return services.submit_many(entries, actor=user, intake_department=user.department)
    except services.BatchRejected as exc:
        raise serializers.ValidationError(exc.errors) from None


def created_body(case) -> dict:
    return {
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "status_label": Status(case.status).label,
        "department": case.department_id,
        "channel": case.channel,
        "submitted_at": case.submitted_at,
        "limit_days": case.limit_days,
    }


def _transition_view(action_name):
    edge = workflow.TRANSITIONS[action_name]

    def view(self, request, number=None):
        case = self.get_object()
        ser = TransitionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        expected = data.pop("expected_version", None)
        case = workflow.transition(
            case,
            action_name,
            request.user,
            Channel.API,
            expected_version=expected,
            interactive=True,
            **data,
        )
        return Response(CaseSerializer(case).data)

    view.__name__ = action_name
    view.__doc__ = f"{edge.label}"
    # the schema annotation on the action (outermost), so that the request body is documented
    return extend_schema(
        request=TransitionSerializer,
        responses=CaseSerializer,
        summary=f"{action_name}: {edge.label}",
    )(action(detail=True, methods=["post"], url_path=action_name.replace("_", "-"))(view))


class CaseViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """办件: list and detail (scoped), submission by departmental systems, transitions."""

    queryset = Case.objects.select_related(
        "item", "department", "division", "parent", "bundle"
    ).order_by("-submitted_at", "-id")
    serializer_class = CaseSerializer
    pagination_class = CappedCountPagination  # a city's cases: no exact count past 1,000
    filterset_class = CaseFilter
    lookup_field = "number"
    lookup_value_regex = r"\d{6,32}"

    def get_authenticators(self):
        """Submissions (create, batch) take the token's user from the short per-process cache;
        every other action — reads, transitions — reads the token on each request, so a revoked
        token or a deactivated user is refused at once there."""
        method = (getattr(getattr(self, "request", None), "method", "") or "").lower()
        cached = getattr(self, "action_map", {}).get(method) in ("create", "batch")
        token = CachedTokenAuthentication if cached else ScopedTokenAuthentication
        return [token(), SessionAuthentication()]  # token first: 401 without credentials

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            # one case: its parent and bundle (usually none) are read when set, not joined —
            # fewer joins to plan on every read (bench/load/cost.py)
            qs = (
                qs.select_related(None)
                .select_related("item", "department", "division")
                .prefetch_related(
                    Prefetch(
                        "children",
                        queryset=Case.objects.select_related(
                            "item", "department", "division", "bundle"
                        ),
                    ),
                    "events",
                )
            )
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CaseDetailSerializer
        if self.action == "create":
            return CaseCreateSerializer
        return CaseSerializer

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseCreatedSerializer})
    def create(self, request, *args, **kwargs):
        case = services.submit(
            **_submission(request.data),
            actor=request.user,
            intake_department=request.user.department,
        )
        return Response(created_body(case), status=status.HTTP_201_CREATED)

    @extend_schema(request=CaseBatchSerializer, responses={201: CaseBatchCreatedSerializer})
    @action(detail=False, methods=["post"], url_path="batch")
    def batch(self, request):
        """批量申报 for departmental systems: ``{"submissions": [<submission>, …]}`` (at most 500),
        all written or none; errors keyed ``submissions[<position>].<field>``."""
        data = request.data
        cases = submit_batch(
            data.get("submissions") if isinstance(data, dict) else None, request.user
        )
        return Response(
            {"count": len(cases), "cases": [created_body(c) for c in cases]},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        responses=inline_serializer(
            "ReasonTemplates", {"templates": serializers.DictField(child=serializers.ListField())}
        )
    )
    @action(detail=False, methods=["get"], url_path="reason-templates")
    def reason_templates(self, request):
        """Reason templates (理由模板) per action."""
        return Response(
            {"templates": {k: [str(t) for t in v] for k, v in workflow.REASON_TEMPLATES.items()}}
        )


for _name in workflow.TRANSITIONS:
    if _name in ("resubmit", "withdraw"):
        continue  # applicant actions: portal only
    setattr(CaseViewSet, _name, _transition_view(_name))


router = DefaultRouter()
router.register("", CaseViewSet, basename="case")
