"""REST API of the catalog. Reads are public (the catalog is public information); writes are
staff-only, scoped, and go through ``services``."""

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from yingshang.core.models import Department, Division
from yingshang.platform.api import (
    LIST_MAX,
    TEXT_MAX,
    BuiltFieldsMixin,
    CodeRelatedField,
    ScopedViewSetMixin,
)
from yingshang.platform.query import IdFilter
from yingshang.registry.models import LicenceType

from . import search, selectors, services
from .models import Bundle, Category, Material, ServiceItem, ServiceItemVersion, Theme


class MaterialSerializer(BuiltFieldsMixin, serializers.ModelSerializer):
    licence_type = CodeRelatedField(
        queryset=LicenceType.objects.all(), required=False, allow_null=True
    )
    licence_type_name = serializers.CharField(
        source="licence_type.name", read_only=True, default=None
    )

    class Meta:
        model = Material
        fields = [
            "order",
            "name",
            "requirement",
            "condition",
            "form",
            "copies",
            "licence_type",
            "licence_type_name",
        ]
        read_only_fields = ["order"]


class VersionSerializer(BuiltFieldsMixin, serializers.ModelSerializer):
    materials = MaterialSerializer(many=True, read_only=True)
    result_licence_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    compression_rate = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = ServiceItemVersion
        fields = [
            "id",
            "version",
            "valid_from",
            "kind",
            "legal_limit_days",
            "committed_limit_days",
            "compression_rate",
            "visits_required",
            "online_depth",
            "service_scope",
            "in_hall",
            "fee_text",
            "fee_amount",
            "legal_basis",
            "guide",
            "result_licence_type",
            "materials",
        ]


class ItemSerializer(BuiltFieldsMixin, serializers.ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    division_code = serializers.CharField(source="division.code", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    kind = serializers.CharField(source="current_version.kind", read_only=True)
    legal_limit_days = serializers.IntegerField(
        source="current_version.legal_limit_days", read_only=True
    )
    committed_limit_days = serializers.IntegerField(
        source="current_version.committed_limit_days", read_only=True
    )
    visits_required = serializers.IntegerField(
        source="current_version.visits_required", read_only=True
    )
    online_depth = serializers.IntegerField(source="current_version.online_depth", read_only=True)
    version = serializers.IntegerField(source="current_version.version", read_only=True)

    class Meta:
        model = ServiceItem
        fields = [
            "implementation_code",
            "basic_code",
            "name",
            "category",
            "theme",
            "life_events",
            "requires_head_approval",
            "department",
            "department_name",
            "division_code",
            "division_name",
            "is_active",
            "version",
            "kind",
            "legal_limit_days",
            "committed_limit_days",
            "visits_required",
            "online_depth",
        ]


class ItemDetailSerializer(ItemSerializer):
    current_version = VersionSerializer(read_only=True)

    class Meta(ItemSerializer.Meta):
        fields = ItemSerializer.Meta.fields + ["current_version"]


# an office guide (办事指南) is long text: the longest in the demo catalogue is about 2,000 characters
GUIDE_MAX = 20000


class MaterialWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    requirement = serializers.ChoiceField(Material.Requirement.choices, required=False)
    condition = serializers.CharField(max_length=200, required=False, allow_blank=True)
    form = serializers.ChoiceField(Material.Form.choices, required=False)
    copies = serializers.IntegerField(min_value=1, required=False)
    licence_type = CodeRelatedField(
        queryset=LicenceType.objects.all(), required=False, allow_null=True
    )


class ItemWriteSerializer(serializers.Serializer):
    """Create (all required fields) or change (PATCH: any subset) an item. Changed terms or
    materials publish a new version; cases keep the version they were accepted under."""

    implementation_code = serializers.CharField(max_length=80)
    basic_code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(Category.choices)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    division_code = CodeRelatedField(
        source="division", queryset=Division.objects.all(), required=False
    )
    theme = serializers.ChoiceField(Theme.choices, required=False)
    life_events = serializers.CharField(max_length=200, required=False, allow_blank=True)
    requires_head_approval = serializers.BooleanField(required=False)
    kind = serializers.CharField(max_length=10)
    legal_limit_days = serializers.IntegerField(min_value=0)
    committed_limit_days = serializers.IntegerField(min_value=0)
    visits_required = serializers.IntegerField(min_value=0, required=False)
    online_depth = serializers.IntegerField(required=False)
    service_scope = serializers.CharField(max_length=10, required=False)
    in_hall = serializers.BooleanField(required=False)
    fee_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    fee_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    legal_basis = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    guide = serializers.CharField(max_length=GUIDE_MAX, required=False, allow_blank=True)
    result_licence_type = CodeRelatedField(
        queryset=LicenceType.objects.all(), required=False, allow_null=True
    )
    materials = serializers.ListField(
        child=MaterialWriteSerializer(), required=False, max_length=LIST_MAX
    )


class ItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=100,
        label=(
            "关键词:排序检索(catalog/search.py,与门户搜索相同),匹配名称、同义词和俗称、拼音首字母、"
            "实施编码和部门;多个词以空格分隔须同时匹配;结果按相关度排序(同分按名称、ID),"
            "SQLite 与 PostgreSQL 顺序一致;最多 100 字。"
        ),
    )
    department = IdFilter(field_name="department_id", label="实施部门ID")
    division = django_filters.CharFilter(field_name="division__code", label="实施区划代码")
    category = django_filters.ChoiceFilter(choices=Category.choices, label="事项类型")
    theme = django_filters.ChoiceFilter(
        choices=Theme.choices, method="filter_theme", label="服务对象"
    )
    life_event = django_filters.CharFilter(field_name="life_events", lookup_expr="icontains")

    class Meta:
        model = ServiceItem
        fields = ["q", "department", "division", "category", "theme", "life_event"]

    def filter_q(self, qs, name, value):
        """The ranked catalogue search, best first (the same ranking as the portal's search);
        the other filters narrow the ranked items and keep their order."""
        if not value.strip():
            return qs
        ranked = search.rank(value, candidates=qs)
        if not ranked:
            return qs.none()
        order = Case(
            *[When(pk=pk, then=Value(i)) for i, (pk, _score) in enumerate(ranked)],
            output_field=IntegerField(),
        )
        return qs.filter(pk__in=[pk for pk, _s in ranked]).order_by(order)

    def filter_theme(self, qs, name, value):
        return selectors.search_items(qs, theme=value)


class ItemViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """政务服务事项. Anyone may read active items; staff create and change items of their scope
    (changes to terms publish a new version) and deactivate them."""

    queryset = ServiceItem.objects.select_related("department", "division", "current_version")
    lookup_field = "implementation_code"
    lookup_value_regex = "[^/]+"
    filterset_class = ItemFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        if self.request.method in permissions.SAFE_METHODS:
            qs = selectors.public_items()
            if self.action == "retrieve":
                qs = qs.prefetch_related("current_version__materials__licence_type").select_related(
                    "current_version__result_licence_type"
                )
            return qs
        return super().get_queryset()

    def get_serializer_class(self):
        if self.action in ("create", "partial_update", "update"):
            return ItemWriteSerializer
        if self.action == "retrieve":
            return ItemDetailSerializer
        return ItemSerializer

    def _check_department(self, department):
        if not selectors.can_manage(self.request.user, department):
            raise PermissionDenied(_("您无权管理该部门的事项。"))

    @extend_schema(request=ItemWriteSerializer, responses={201: ItemDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ItemWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        self._check_department(data["department"])
        item = services.create_item(**data)
        item = selectors.item_by_code(item.implementation_code)
        return Response(ItemDetailSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ItemWriteSerializer, responses={200: ItemDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        self._check_department(item.department)
        serializer = ItemWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "implementation_code" in data and data.pop("implementation_code") != (
            item.implementation_code
        ):
            raise serializers.ValidationError({"implementation_code": [_("实施编码不能修改。")]})
        if "department" in data:
            self._check_department(data["department"])
            data.setdefault("division", data["department"].division)
        try:
            outcome = services.update_item(item, **data)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        outcome.item.refresh_from_db()
        return Response(ItemDetailSerializer(outcome.item).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: ItemSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, implementation_code=None):
        """停用事项: no new applications; existing cases and versions are untouched."""
        item = self.get_object()
        self._check_department(item.department)
        item = services.deactivate_item(item)
        return Response(ItemSerializer(item).data)


class BundleItemSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    implementation_code = serializers.CharField(source="item.implementation_code")
    name = serializers.CharField(source="item.name")
    department_name = serializers.CharField(source="item.department.name")
    committed_limit_days = serializers.IntegerField(
        source="item.current_version.committed_limit_days"
    )


class BundleSerializer(serializers.ModelSerializer):
    division_code = serializers.CharField(source="division.code", read_only=True)
    items = BundleItemSerializer(source="bundle_items", many=True, read_only=True)
    committed_limit_days = serializers.SerializerMethodField()

    class Meta:
        model = Bundle
        fields = [
            "key",
            "name",
            "description",
            "theme",
            "division_code",
            "committed_limit_days",
            "items",
        ]

    def get_committed_limit_days(self, obj) -> int:
        """Sub-cases run in parallel: the slowest item's committed limit."""
        return selectors.bundle_limits(obj)["committed"]


class BundleViewSet(viewsets.ReadOnlyModelViewSet):
    """一件事一次办 bundles (public)."""

    serializer_class = BundleSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "key"
    filterset_fields = ["theme"]

    def get_queryset(self):
        return selectors.public_bundles()
