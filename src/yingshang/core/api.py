"""REST API of the organisation (divisions, departments, staff, audit log). The generic helpers
(token cache, permissions, scoped viewsets) are in yingshang.platform.api, the exception handler
in yingshang.platform.errors."""

from rest_framework import mixins, serializers, viewsets
from rest_framework.routers import DefaultRouter

from yingshang.platform.api import (
    AuditContextMixin,
    CappedCountPagination,
    ScopedViewSetMixin,
    StaffWritePermission,
)
from yingshang.platform.models import AuditEntry

from . import selectors
from .models import Department, Division, User
from .policies import staff_users


class DivisionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(
        source="parent.code", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Division
        fields = ["id", "code", "name", "name_en", "level", "is_management_area", "parent_code"]


class DepartmentSerializer(serializers.ModelSerializer):
    division_code = serializers.CharField(source="division.code", read_only=True)

    class Meta:
        model = Department
        fields = [
            "id",
            "name",
            "short_name",
            "name_en",
            "kind",
            "function_key",
            "division_code",
            "is_active",
        ]


class StaffSerializer(serializers.ModelSerializer):
    division_code = serializers.CharField(
        source="division.code", read_only=True, default=None, allow_null=True
    )
    department = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "division_code", "department"]


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor_name",
            "ip",
            "channel",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
        ]


class DivisionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """行政区划 within the caller's subtree."""

    queryset = Division.objects.select_related("parent")
    serializer_class = DivisionSerializer
    filterset_fields = ["level", "code", "is_management_area"]
    lookup_field = "code"


class DepartmentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """部门 within the caller's subtree."""

    queryset = Department.objects.select_related("division")
    serializer_class = DepartmentSerializer
    filterset_fields = ["kind", "function_key", "division__code"]


class StaffViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """工作人员 within the caller's subtree."""

    queryset = staff_users().select_related("division")
    serializer_class = StaffSerializer
    filterset_fields = ["role"]


class AuditEntryViewSet(
    AuditContextMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """审计日志 (read-only; supervisors and administrators)."""

    serializer_class = AuditEntrySerializer
    permission_classes = [StaffWritePermission]
    pagination_class = CappedCountPagination  # every change ever made: no exact count
    filterset_fields = ["action", "object_type", "object_id"]

    def get_queryset(self):
        return selectors.audit_entries_for(self.request.user)


router = DefaultRouter()
router.register("divisions", DivisionViewSet)
router.register("departments", DepartmentViewSet)
router.register("staff", StaffViewSet)
router.register("audit", AuditEntryViewSet, basename="auditentry")
