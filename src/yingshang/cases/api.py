"""REST API of cases: /api/cases/ — list (filters, pagination), detail, submission by a system
(token auth), and one POST endpoint per transition. Scoped like the workbench pages."""

import base64
import binascii

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from yingshang.catalog.models import Bundle
from yingshang.core.models import Division
from yingshang.platform.api import CachedTokenAuthentication, ScopedViewSetMixin

from . import rows as sqlrows
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


# The fast path of CaseCreateSerializer: (field, max_length, required, allow_blank).
_STR_FIELDS = (
    ("item", 80, False, False),
    ("bundle", 50, False, False),
    ("division", 20, False, False),
    ("applicant_code", 18, True, False),
    ("applicant_name", 200, False, True),
    ("applicant_phone", 20, False, True),
)
_MATERIAL_FIELDS = (("key", 40), ("filename", 200), ("content_base64", None))


def _plain(value, max_length, allow_blank=False) -> bool:
    """A string DRF's CharField keeps as it is: no surrounding blanks to trim, not blank
    unless allowed, within max_length, no NUL or lone surrogate characters."""
    if type(value) is not str or value != value.strip() or "\x00" in value:
        return False
    if not value and not allow_blank:
        return False
    if max_length is not None and len(value) > max_length:
        return False
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


def quick_validate(data) -> dict | None:
    """CaseCreateSerializer's validated data for a well-formed payload — the common case of a
    departmental system — without building the serializer's fields; None when anything is
    unusual (wrong type, blanks, whitespace to trim, too long, missing, unknown choice), and
    the serializer then validates the payload and words the errors."""
    if type(data) is not dict:
        return None
    out = {}
    for name, max_length, required, allow_blank in _STR_FIELDS:
        if name in data:
            if not _plain(data[name], max_length, allow_blank):
                return None
            out[name] = data[name]
        elif required:
            return None
    if "channel" in data:
        channel = data["channel"]
        if type(channel) is not str or channel not in Channel.values:
            return None
        out["channel"] = channel
    else:
        out["channel"] = Channel.API  # the serializer's default
    kind = data.get("applicant_kind")
    if type(kind) is not str or kind not in ApplicantKind.values:
        return None
    out["applicant_kind"] = kind
    if "form_data" in data:
        if type(data["form_data"]) is not dict:
            return None
        out["form_data"] = dict(data["form_data"])
    if "materials" in data:
        materials = data["materials"]
        if type(materials) is not list:
            return None
        clean = []
        for m in materials:
            if type(m) is not dict:
                return None
            row = {}
            for name, max_length in _MATERIAL_FIELDS:
                if name not in m or not _plain(m[name], max_length):
                    return None
                row[name] = m[name]
            clean.append(row)
        out["materials"] = clean
    if bool(out.get("item")) == bool(out.get("bundle")):
        return None
    return out


class CaseCreatedSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    department = serializers.IntegerField()
    channel = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    limit_days = serializers.IntegerField()


class CaseBatchSerializer(serializers.Serializer):
    submissions = CaseCreateSerializer(many=True, help_text=gettext_lazy("申报列表,最多 500 件"))


class CaseBatchCreatedSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    cases = CaseCreatedSerializer(many=True)


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


def _payload_inputs(d: dict, user):
    """("item", ServiceItem, keyword arguments) or ("bundle", Bundle, keyword arguments) for a
    validated payload (CaseCreateSerializer's data); unknown codes are field errors."""
    division = None
    if d.get("division"):
        division = sqlrows.select_one(Division, "code", d["division"])
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
        actor=user,
        files=files,
        form_data=d.get("form_data") or {},
        intake_department=user.department,
    )
    if d.get("item"):
        item = services.item_for_submission(d["item"])
        if item is None:
            raise serializers.ValidationError({"item": [_("事项不存在。")]})
        return "item", item, common
    bundle = Bundle.objects.filter(key=d["bundle"]).first()
    if bundle is None:
        raise serializers.ValidationError({"bundle": [_("一件事不存在。")]})
    return "bundle", bundle, common


def submit_from_payload(d: dict, user):
    """Submit one validated payload for a system account."""
    kind, target, common = _payload_inputs(d, user)
    if kind == "item":
        return services.submit_case(item=target, **common)
    return services.submit_bundle(bundle=target, **common)


def _field_errors(exc) -> dict:
    """Field → messages of a DRF or Django ValidationError."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exc.message_dict
        return {"non_field_errors": exc.messages}
    detail = exc.detail
    return detail if isinstance(detail, dict) else {"non_field_errors": detail}


BATCH_MAX = 500


def submit_batch(submissions, user) -> list:
    """批量申报: every submission of the list or none. All are checked first; errors come back
    together, keyed ``submissions[<position>].<field>``. The checked submissions of items are
    then written together (``services.write_cases``: one round trip of INSERTs on PostgreSQL);
    bundles through ``submit_bundle``; all in one transaction."""
    if not isinstance(submissions, list) or not submissions:
        raise serializers.ValidationError({"submissions": [_("请提交申报列表(submissions)。")]})
    if len(submissions) > BATCH_MAX:
        raise serializers.ValidationError(
            {"submissions": [_("每批最多 %(n)d 件。") % {"n": BATCH_MAX}]}
        )
    errors = {}

    def failed(i, exc):
        for field, messages in _field_errors(exc).items():
            errors[f"submissions[{i}].{field}"] = messages

    with transaction.atomic():  # applicants registered on the way are rolled back too
        inputs = []
        for i, raw in enumerate(submissions):
            d = quick_validate(raw)
            if d is None:
                ser = CaseCreateSerializer(data=raw)
                if not ser.is_valid():
                    failed(i, serializers.ValidationError(ser.errors))
                    continue
                d = ser.validated_data
            try:
                kind, target, common = _payload_inputs(d, user)
                if kind == "item":
                    inputs.append((i, kind, services.prepare_case(item=target, **common)))
                else:
                    inputs.append((i, kind, (target, common)))
            except (serializers.ValidationError, DjangoValidationError) as exc:
                failed(i, exc)
        if errors:
            raise serializers.ValidationError(errors)
        result = [None] * len(submissions)
        for i, kind, value in inputs:
            if kind == "bundle":
                try:
                    result[i] = services.submit_bundle(bundle=value[0], **value[1])
                except DjangoValidationError as exc:
                    failed(i, exc)
        if errors:
            raise serializers.ValidationError(errors)
        items = [(i, p) for i, kind, p in inputs if kind == "item"]
        written = services.write_cases([p for _i, p in items])
        for (i, _p), case in zip(items, written, strict=True):
            result[i] = case
    return result


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

    def get_authenticators(self):
        """Submissions (create, batch) take the token's user from the short per-process cache;
        every other action — reads, transitions — reads the token on each request, so a revoked
        token or a deactivated user is refused at once there."""
        method = (getattr(getattr(self, "request", None), "method", "") or "").lower()
        cached = getattr(self, "action_map", {}).get(method) in ("create", "batch")
        token = CachedTokenAuthentication if cached else TokenAuthentication
        return [SessionAuthentication(), token()]

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
        d = quick_validate(request.data)
        if d is None:
            ser = CaseCreateSerializer(data=request.data)
            ser.is_valid(raise_exception=True)
            d = ser.validated_data
        case = submit_from_payload(d, request.user)
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
