"""Reads of the registry. Staff reads are scoped with ``visible_to``; the holder lookups used by
the cases app (``licence_for``, ``licences_of``) are not, because the applicant's own documents
are reused on their behalf."""

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from .models import ELicence, Enterprise, LicenceType, Person, Representation
from .models import RepresentationStatus as RS


def licence_for(holder, licence_type) -> ELicence | None:
    """The holder's newest valid, unexpired e-licence of this type (a LicenceType or its code),
    or None. This is what an application uses instead of an upload (免提交)."""
    if holder is None or licence_type is None:
        return None
    qs = ELicence.objects.filter(status=ELicence.Status.VALID)
    if isinstance(holder, Enterprise):
        qs = qs.filter(enterprise=holder)
    elif isinstance(holder, Person):
        qs = qs.filter(person=holder)
    else:
        return None
    if isinstance(licence_type, LicenceType):
        qs = qs.filter(licence_type=licence_type)
    else:
        qs = qs.filter(licence_type__code=licence_type)
    today = timezone.localdate()
    qs = qs.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    return qs.select_related("licence_type", "issuer").order_by("-issued_on", "-id").first()


def licences_of(holder, *, valid_only: bool = True):
    qs = ELicence.objects.select_related("licence_type", "issuer")
    if isinstance(holder, Enterprise):
        qs = qs.filter(enterprise=holder)
    elif isinstance(holder, Person):
        qs = qs.filter(person=holder)
    else:
        return qs.none()
    if valid_only:
        qs = qs.filter(status=ELicence.Status.VALID)
    return qs


def enterprise_by_uscc(code: str) -> Enterprise | None:
    return Enterprise.objects.filter(uscc=(code or "").strip().upper()).first()


def person_by_id_number(code: str) -> Person | None:
    return Person.objects.filter(id_number=(code or "").strip().upper()).first()


def holder_for_staff(user, code: str):
    """The registered enterprise (by USCC) or person (by ID number) with this code that staff
    member ``user`` may see (their division subtree), or None — outside the scope a holder is
    as unknown as an unregistered one."""
    code = (code or "").strip().upper()
    if not code:
        return None
    enterprise = Enterprise.objects.visible_to(user).filter(uscc=code).first()
    if enterprise is not None:
        return enterprise
    return Person.objects.visible_to(user).filter(id_number=code).first()


def holders_for_user(user) -> list:
    """The enterprises and the person a portal account may act for."""
    if not getattr(user, "is_authenticated", False):
        return []
    holders = list(represented_enterprises(user))
    person = Person.objects.filter(user=user).first()
    if person:
        holders.append(person)
    return holders


def represented_enterprises(user):
    """The enterprises ``user`` is a *verified* representative of (pending, rejected and
    revoked requests give nothing)."""
    if not getattr(user, "is_authenticated", False):
        return Enterprise.objects.none()
    return Enterprise.objects.filter(
        representations__user=user, representations__status=RS.VERIFIED
    ).distinct()


def is_representative(user, enterprise) -> bool:
    if enterprise is None or not getattr(user, "is_authenticated", False):
        return False
    return Representation.objects.filter(
        user=user, enterprise=enterprise, status=RS.VERIFIED
    ).exists()


def representations_of(user):
    """A portal account's own requests (every status), newest first."""
    if not getattr(user, "is_authenticated", False):
        return Representation.objects.none()
    return Representation.objects.filter(user=user).select_related("enterprise")


def representation_queue(user, *, status: str = RS.PENDING):
    """Requests an approver may decide: enterprises registered in their division subtree."""
    from .policies import policy

    qs = Representation.objects.visible_to(user).select_related("enterprise", "user")
    qs = policy.filter(qs, user, "approve")
    return qs.filter(status=status) if status else qs


def letter_for(user, pk: int) -> Representation:
    """The representation whose 授权委托书 ``user`` may open: an approver of the enterprise's
    division subtree (any status: a decided request keeps its evidence); anyone else — other
    staff, other divisions, applicants — 404."""
    rep = representation_queue(user, status="").filter(pk=pk).exclude(letter="").first()
    if rep is None:
        raise Http404
    return rep


def enterprises_for(user, *, q: str = ""):
    qs = Enterprise.objects.visible_to(user).select_related("division")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q))
    return qs


def licences_for(user, *, licence_type: str = "", holder_uscc: str = ""):
    qs = ELicence.objects.visible_to(user).select_related(
        "licence_type", "issuer", "enterprise", "person"
    )
    if licence_type:
        qs = qs.filter(licence_type__code=licence_type)
    if holder_uscc:
        qs = qs.filter(enterprise__uscc=holder_uscc)
    return qs
