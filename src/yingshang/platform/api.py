"""The API helpers every app's API uses: token authentication with a short per-process cache,
the staff write permission, the audit context of token-authenticated requests and the scoped
viewset mixin (``visible_to``: out-of-scope objects are 404)."""

import copy
import time

from django.conf import settings
from django.db.models import signals
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import pagination, permissions, relations, serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotFound, ValidationError
from rest_framework.response import Response

from . import audit
from .query import OpenEndedPaginator
from .scoping import can_write

# Input limits every write serializer states (the schema shows them as maxLength / maxItems;
# tests/platform/test_input_limits.py fails on a request field without one).
NOTE_MAX = 2000  # an opinion, a note, a reason
TEXT_MAX = 5000  # a free text: an appeal, a reply, a report
NAME_MAX = 200  # a name of an enterprise, a title
CODE_MAX = 64  # a code: USCC, ID number, division code, implementation code
LIST_MAX = 100  # items in a list (departments, USCCs, files)

# key → (user, token, expiry on the monotonic clock)
_token_cache: dict[str, tuple] = {}


def token_cache_seconds() -> float:
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", 5))


class ScopedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (read on every request), with the token's user's division and
    department in the same query: every scoped read (``visible_to``) needs the division's path,
    which was one more query per API request (bench/load/cost.py)."""

    def load_token(self, key):
        return (
            self.get_model()
            .objects.select_related("user__division", "user__department")
            .filter(key=key)
            .first()
        )

    def authenticate_credentials(self, key):
        token = self.load_token(key)
        if token is None:
            raise AuthenticationFailed(gettext_lazy("Invalid token."))
        if not token.user.is_active:
            raise AuthenticationFailed(gettext_lazy("User inactive or deleted."))
        return token.user, token


class CachedTokenAuthentication(ScopedTokenAuthentication):
    """Token authentication for the high-volume system endpoints (case submission): the token's
    user — with division and department, which the audit entry and the intake need — is kept
    per process for ``API_TOKEN_CACHE_SECONDS`` (default 5) instead of being read on every
    request. Revocation: deleting a token, or saving or deleting its user (deactivation, role
    change), drops the cached entries of this process at once and every other process's
    within that time; 0 turns the cache off."""

    def authenticate_credentials(self, key):
        ttl = token_cache_seconds()
        now = time.monotonic()
        hit = _token_cache.get(key)
        if hit is not None and hit[2] > now:
            return hit[0], hit[1]
        token = self.load_token(key)
        if token is None:
            _token_cache.pop(key, None)
            raise AuthenticationFailed(gettext_lazy("Invalid token."))
        if not token.user.is_active:
            _token_cache.pop(key, None)
            raise AuthenticationFailed(gettext_lazy("User inactive or deleted."))
        if ttl > 0:
            if len(_token_cache) > 10_000:
                _token_cache.clear()
            _token_cache[key] = (token.user, token, now + ttl)
        return token.user, token


def _forget_token(sender, instance, **kwargs):
    _token_cache.pop(getattr(instance, "key", None), None)


def _forget_user(sender, instance, **kwargs):
    for key, (user, _token, _exp) in list(_token_cache.items()):
        if user.pk == instance.pk:
            _token_cache.pop(key, None)


def _connect_token_cache():
    from rest_framework.authtoken.models import Token

    signals.post_delete.connect(_forget_token, sender=Token, dispatch_uid="ys_token_cache_del")
    signals.post_save.connect(_forget_token, sender=Token, dispatch_uid="ys_token_cache_save")
    user = settings.AUTH_USER_MODEL  # model signals take the lazy "app_label.Model" reference
    signals.post_save.connect(_forget_user, sender=user, dispatch_uid="ys_token_cache_user")
    signals.post_delete.connect(_forget_user, sender=user, dispatch_uid="ys_token_cache_udel")


_connect_token_cache()


class BuiltFieldsMixin:
    """For a ``ModelSerializer`` whose fields do not depend on the request: the fields DRF
    builds from the model on every serializer (``build_field``, the field-mapping rules: a
    sixth of an API case read's CPU in the profile) are built once per class; each serializer
    gets a deep copy, as DRF does with declared fields anyway."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)


class StaffWritePermission(permissions.BasePermission):
    """Staff only; city leaders (read-only role) may not write."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_staff_member):
            return False
        return request.method in permissions.SAFE_METHODS or can_write(user)


class AuditContextMixin:
    """Token-authenticated requests are only known after DRF authenticates: refresh the audit
    context with the real user before the handler runs."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        ctx = audit.current()
        self._audit_token = audit._context.set(
            audit.AuditContext(user=request.user, ip=ctx.ip, channel="api")
        )

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_audit_token", None)
        if token is not None:
            audit._context.reset(token)
            self._audit_token = None
        return super().finalize_response(request, response, *args, **kwargs)


class ScopedViewSetMixin(AuditContextMixin):
    """``get_queryset`` goes through the model's ``visible_to``: out-of-scope objects are 404."""

    permission_classes = [StaffWritePermission]

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def filter_queryset(self, queryset):
        """The list's filters (``filterset_class``, ordering) narrow lists only: one object
        (``/api/…/<key>/``, its actions) is found by its key within the caller's scope, without
        building the filter form on every read (docs/performance.md)."""
        if getattr(self, "detail", False):
            return queryset
        return super().filter_queryset(queryset)


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page-number pagination whose bad page (0, -1, past the last page, not a number)
    is a 400 with a message on ``page`` instead of a 404: a query parameter out of range is a
    bad request (platform/query.py). The schema says ``page`` ≥ 1."""

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise ValidationError({self.page_query_param: [exc.detail]}) from exc

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


class CappedCountPagination(PageNumberPagination):
    """Page numbers as everywhere, but ``count`` is exact only up to 1,000 results: beyond,
    ``count`` is 1000 and ``count_exact`` false, and the pages go on (``next`` while more
    rows follow). For the lists that grow with the city — a clerk of the city reads every
    case, and an exact count of ten million rows takes seconds. ``page=last`` is not offered."""

    django_paginator_class = OpenEndedPaginator
    last_page_strings = ()

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": min(paginator.count, paginator.cap),
                "count_exact": not paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count"]["description"] = "results, counted up to 1000"
        out["properties"]["count_exact"] = {
            "type": "boolean",
            "description": "false: there are more than 1000 results (follow next)",
        }
        out["required"] = ["count", "count_exact", "results"]
        return out


def related_list(queryset, *, max_items: int = LIST_MAX, **kwargs):
    """A list of at most ``max_items`` primary keys, each resolved against ``queryset``: a
    ``ListField`` of ``PrimaryKeyRelatedField`` rather than ``many=True``, whose length limit DRF
    would hand to the child and the schema would not show (here it is ``maxItems``)."""
    return serializers.ListField(
        child=relations.PrimaryKeyRelatedField(queryset=queryset), max_length=max_items, **kwargs
    )


@extend_schema_field({"type": "string", "maxLength": CODE_MAX})
class CodeRelatedField(relations.SlugRelatedField):
    """An object named by its code (``slug_field``, ``"code"`` by default), at most ``CODE_MAX``
    characters: a longer value is refused before any query, and the schema says ``maxLength``."""

    def __init__(self, slug_field="code", **kwargs):
        super().__init__(slug_field=slug_field, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) > CODE_MAX:
            raise ValidationError(
                serializers.CharField.default_error_messages["max_length"].format(
                    max_length=CODE_MAX
                )
            )
        return super().to_internal_value(data)
