"""REST API of cases: /api/cases/ — list (filters, pagination), detail, submission by a system
(token auth), and one POST endpoint per transition. Scoped like the workbench pages."""

import base64
import binascii

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from yingshang.catalog.models import Bundle, ServiceItem
from yingshang.core.api import ScopedViewSetMixin
from yingshang.core.models import Division

from . import selectors, services, sla, workflow
from .models import ApplicantKind, Case, Channel, SlaState, Status


class CaseSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
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
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor_name,
                "role": e.role,
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


class MaterialUploadSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40, help_text=gettext_lazy("材料标识(见事项材料)"))
    filename = serializers.CharField(max_length=200)
    content_base64 = serializers.CharField(help_text=gettext_lazy("文件内容,Base64 编码"))


class CaseCreateSerializer(serializers.Serializer):
    item = serializers.CharField(required=False, max_length=80, help_text=gettext_lazy("实施编码"))
    bundle = serializers.CharField(
        required=False, max_length=50, help_text=gettext_lazy("一件事标识")
    )
    division = serializers.CharField(
        required=False, max_length=20, help_text=gettext_lazy("申办区划代码")
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices)
    applicant_code = serializers.CharField(max_length=18)
    applicant_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    applicant_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    form_data = serializers.DictField(required=False)
    materials = MaterialUploadSerializer(many=True, required=False)

    def validate(self, attrs):
        if bool(attrs.get("item")) == bool(attrs.get("bundle")):
            raise serializers.ValidationError({"item": _("请指定事项(item)或一件事(bundle)之一。")})
        return attrs


class CaseCreatedSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    department = serializers.IntegerField()
    channel = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    limit_days = serializers.IntegerField()


class TransitionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    missing = serializers.ListField(child=serializers.JSONField(), required=False)
    suspend_reason = serializers.ChoiceField(
        choices=["hearing", "expert", "notice", "inspection"], required=False
    )
    outcome = serializers.ChoiceField(choices=["approved", "denied"], required=False)
    method = serializers.ChoiceField(choices=["delivery", "pickup", "electronic"], required=False)
    expected_version = serializers.IntegerField(required=False, min_value=0)


class CaseFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices)
    item = filters.CharFilter(field_name="item__implementation_code")
    department = filters.NumberFilter(field_name="department_id")
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


def _transition_view(action_name):
    edge = workflow.TRANSITIONS[action_name]

    @extend_schema(
        request=TransitionSerializer,
        responses=CaseSerializer,
        summary=f"{action_name}: {edge.label}",
    )
    def view(self, request, number=None):
        case = self.get_object()
        ser = TransitionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        expected = data.pop("expected_version", None)
        case = workflow.transition(
            case, action_name, request.user, Channel.API, expected_version=expected, **data
        )
        return Response(CaseSerializer(case).data)

    view.__name__ = action_name
    view.__doc__ = f"{edge.label}"
    return action(detail=True, methods=["post"], url_path=action_name.replace("_", "-"))(view)


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
    filterset_class = CaseFilter
    lookup_field = "number"
    lookup_value_regex = r"\d{6,32}"

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related("children", "events")
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CaseDetailSerializer
        if self.action == "create":
            return CaseCreateSerializer
        return CaseSerializer

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseCreatedSerializer})
    def create(self, request, *args, **kwargs):
        ser = CaseCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        division = None
        if d.get("division"):
            division = Division.objects.filter(code=d["division"]).first()
            if division is None:
                raise serializers.ValidationError({"division": [_("未知的区划代码。")]})
        applicant = services.resolve_applicant(
            kind=d["applicant_kind"],
            code=d["applicant_code"],
            name=d.get("applicant_name", ""),
            phone=d.get("applicant_phone", ""),
        )
        files = _files(d.get("materials"))
        common = dict(
            applicant=applicant,
            division=division,
            channel=d["channel"],
            actor=request.user,
            files=files,
            form_data=d.get("form_data") or {},
            intake_department=request.user.department,
        )
        if d.get("item"):
            item = (
                ServiceItem.objects.select_related("current_version", "division", "department")
                .filter(implementation_code=d["item"])
                .first()
            )
            if item is None:
                raise serializers.ValidationError({"item": [_("事项不存在。")]})
            case = services.submit_case(item=item, **common)
        else:
            bundle = Bundle.objects.filter(key=d["bundle"]).first()
            if bundle is None:
                raise serializers.ValidationError({"bundle": [_("一件事不存在。")]})
            case = services.submit_bundle(bundle=bundle, **common)
        return Response(
            {
                "number": case.number,
                "title": case.title,
                "status": case.status,
                "status_label": case.get_status_display(),
                "department": case.department_id,
                "channel": case.channel,
                "submitted_at": case.submitted_at,
                "limit_days": case.limit_days,
            },
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
