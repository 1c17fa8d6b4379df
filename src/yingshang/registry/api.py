"""REST API of the registry: enterprises (staff, scoped, phone masked) and e-licences (scoped)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, serializers, viewsets

from yingshang.platform.api import ScopedViewSetMixin

from . import services
from .models import ELicence, Enterprise


class EnterpriseSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    masked_phone = serializers.CharField(read_only=True)
    division_code = serializers.SlugRelatedField(
        source="division",
        slug_field="code",
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
