"""REST API of the registry: enterprises (staff, scoped, phone masked) and e-licences (scoped)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yingshang.core.policies import is_portal_user
from yingshang.platform.api import AuditContextMixin, CodeRelatedField, ScopedViewSetMixin
from yingshang.platform.masking import mask_phone

from . import selectors, services
from .models import ELicence, Enterprise, Representation, RepresentationEvent


class EnterpriseSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    masked_phone = serializers.CharField(read_only=True)
    division_code = CodeRelatedField(
        source="division",
        queryset=Enterprise._meta.get_field("division").related_model.objects.all(),
        required=False,
        allow_null=True,
    )
    uscc = serializers.CharField(max_length=18, validators=[])

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "uscc",
            "name",
            "legal_representative",
            "phone",
            "masked_phone",
            "address",
            "division_code",
            "established_on",
        ]


class ELicenceSerializer(serializers.ModelSerializer):
    licence_type_code = serializers.CharField(source="licence_type.code", read_only=True)
    licence_type_name = serializers.CharField(source="licence_type.name", read_only=True)
    holder_name = serializers.SerializerMethodField()
    holder_code = serializers.SerializerMethodField()
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)

    class Meta:
        model = ELicence
        fields = [
            "id",
            "licence_type_code",
            "licence_type_name",
            "number",
            "holder_name",
            "holder_code",
            "issuer_name",
            "issued_on",
            "valid_until",
            "status",
            "source_case_number",
        ]

    def get_holder_name(self, obj) -> str:
        return obj.holder.name if obj.holder else ""

    def get_holder_code(self, obj) -> str:
        """USCC of an enterprise; a person's ID number masked."""
        if obj.enterprise_id:
            return obj.enterprise.uscc
        return obj.person.masked_id if obj.person_id else ""


class EnterpriseViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """企业 within the caller's division subtree. POST registers (or updates) by USCC."""

    queryset = Enterprise.objects.select_related("division")
    serializer_class = EnterpriseSerializer
    filterset_fields = ["uscc", "division__code"]
    lookup_field = "uscc"

    def perform_create(self, serializer):
        """Registry maintainers only (403); an existing enterprise outside the caller's
        subtree is 404 and stays as it was; a division outside it is a field error (400)."""
        data = dict(serializer.validated_data)
        try:
            serializer.instance = services.register_enterprise(actor=self.request.user, **data)
        except DjangoValidationError as exc:
            errors = exc.message_dict
            if "division" in errors:  # the API names the field division_code
                errors["division_code"] = errors.pop("division")
            raise serializers.ValidationError(errors) from exc


class ELicenceViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """电子证照 issued by departments within the caller's scope."""

    queryset = ELicence.objects.select_related("licence_type", "issuer", "enterprise", "person")
    serializer_class = ELicenceSerializer
    filterset_fields = ["status", "licence_type__code", "enterprise__uscc"]


# --------------------------------------------------------------------------- representatives


class RepresentationEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RepresentationEvent
        fields = ["action", "from_state", "to_state", "actor_name", "at", "note"]


class RepresentationSerializer(serializers.ModelSerializer):
    uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    enterprise_phone = serializers.CharField(
        source="enterprise.masked_phone", read_only=True, help_text="masked"
    )
    username = serializers.CharField(source="user.username", read_only=True)
    user_phone = serializers.SerializerMethodField(help_text="masked")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    events = RepresentationEventSerializer(many=True, read_only=True)

    class Meta:
        model = Representation
        fields = [
            "id",
            "uscc",
            "enterprise_name",
            "enterprise_phone",
            "username",
            "user_phone",
            "status",
            "status_label",
            "method",
            "code_expires_at",
            "requested_at",
            "decided_at",
            "events",
        ]

    def get_user_phone(self, obj) -> str:
        return mask_phone(getattr(obj.user, "phone", "") or "")


class RepresentationRequestSerializer(serializers.Serializer):
    uscc = serializers.CharField(max_length=18)


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12)


class DecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "reject", "revoke"])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class RepresentationViewSet(AuditContextMixin, viewsets.ReadOnlyModelViewSet):
    """企业经办人: a portal account's own requests (request, code, real name, withdraw); for
    window clerks and administrators the requests of enterprises registered in their division
    subtree (approve, reject, revoke). Others see none (404)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = RepresentationSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Representation.objects.none()
        if is_portal_user(user):
            qs = selectors.representations_of(user)
        else:
            qs = selectors.representation_queue(user, status="")
        return qs.select_related("enterprise", "user").prefetch_related("events")

    def _answer(self, rep, status=200):
        rep = self.get_queryset().get(pk=rep.pk)
        return Response(RepresentationSerializer(rep).data, status=status)

    @extend_schema(request=RepresentationRequestSerializer, responses=RepresentationSerializer)
    def create(self, request):
        ser = RepresentationRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        rep = services.request_representation(
            user=request.user, uscc_code=ser.validated_data["uscc"], channel="api"
        )
        return self._answer(rep, status=201)

    @extend_schema(request=None, responses=RepresentationSerializer)
    @action(detail=True, methods=["post"], url_path="send-code")
    def send_code(self, request, pk=None):
        return self._answer(services.send_code(self.get_object(), user=request.user))

    @extend_schema(request=CodeSerializer, responses=RepresentationSerializer)
    @action(detail=True, methods=["post"], url_path="verify-code")
    def verify_code(self, request, pk=None):
        representation = self.get_object()  # scope first: 404 whatever the body
        ser = CodeSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        rep = services.verify_code(
            representation, user=request.user, code=ser.validated_data["code"]
        )
        return self._answer(rep)

    @extend_schema(request=None, responses=RepresentationSerializer)
    @action(detail=True, methods=["post"], url_path="verify-realname")
    def verify_realname(self, request, pk=None):
        return self._answer(services.verify_realname(self.get_object(), user=request.user))

    @extend_schema(request=DecisionSerializer, responses=RepresentationSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        representation = self.get_object()  # scope first: 404 whatever the body
        ser = DecisionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        step = {
            "approve": services.approve_representation,
            "reject": services.reject_representation,
            "revoke": services.revoke_representation,
        }[ser.validated_data["action"]]
        rep = step(representation, user=request.user, note=ser.validated_data["note"])
        return self._answer(rep)
