"""REST API of the notification centre: the caller's own notifications."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from yingshang.platform.api import AuditContextMixin

from . import selectors, services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "link", "category", "created_at", "read_at", "is_read"]
        read_only_fields = fields


CountSerializer = inline_serializer("NotificationCount", {"count": serializers.IntegerField()})


class NotificationViewSet(
    AuditContextMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """消息: the caller's own in-app notifications (staff and portal users alike)."""

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["category"]

    def get_queryset(self):
        unread_only = self.request.query_params.get("unread") in {"1", "true"}
        return selectors.inbox_for(self.request.user, unread_only=unread_only)

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, description="only unread notifications"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read."""
        notification = services.mark_read(self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=CountSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark all of the caller's notifications read; returns how many changed."""
        return Response({"count": services.mark_all_read(request.user)})

    @extend_schema(responses=CountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"count": selectors.unread_count(request.user)})


router = DefaultRouter()
router.register("notifications", NotificationViewSet, basename="notification")
