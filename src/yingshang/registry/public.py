"""The registry's public entry points: the only module of this app other apps import (besides
``registry.models`` for foreign keys). Keep it small — see docs/architecture.md."""

from .models import Enterprise
from .selectors import (
    enterprise_by_uscc,
    holder_for_staff,
    holders_for_user,
    is_representative,
    licence_for,
    licences_of,
    person_by_id_number,
)
from .services import (
    found_enterprise,
    issue_elicence,
    link_enterprise_user,
    normalise_ric,
    normalise_uscc,
    register_enterprise,
    register_person,
    request_representation,
    revoke_elicence,
    revoke_representation,
    save_licence_type,
)


def enterprises_by_uscc(codes):
    """The registered enterprises among these USCCs (unknown codes are simply absent)."""
    return Enterprise.objects.filter(uscc__in=[(c or "").strip().upper() for c in codes])


__all__ = [
    "enterprise_by_uscc",
    "enterprises_by_uscc",
    "found_enterprise",
    "holder_for_staff",
    "holders_for_user",
    "is_representative",
    "issue_elicence",
    "licence_for",
    "licences_of",
    "link_enterprise_user",
    "normalise_ric",
    "normalise_uscc",
    "person_by_id_number",
    "register_enterprise",
    "register_person",
    "request_representation",
    "revoke_elicence",
    "revoke_representation",
    "save_licence_type",
]
