"""The staff and portal accounts' authentication backend."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend


class ModelBackend(DjangoModelBackend):
    """Django's ``ModelBackend``, reading a session's user together with the division: every
    scoped read (``visible_to``) needs the division's path, which otherwise costs a query of
    its own on every staff page (docs/performance.md)."""

    def get_user(self, user_id):
        model = get_user_model()
        user = model._default_manager.select_related("division").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
