"""Template filters for pages that offer a rating (好差评) for their subjects — the portal's
home page lists the applicant's finished cases not yet rated (docs/portal.md). Subjects are any
model implementing the evaluation protocol (``evaluation_subject_info``); no app is imported."""

from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from ..models import Evaluation

register = template.Library()


@register.filter
def unrated(subjects, limit=5):
    """The subjects not yet rated on their channel (one rating per subject and channel), at
    most ``limit``."""
    subjects = list(subjects or [])
    if not subjects:
        return []
    by_type: dict[int, list] = {}
    for subject in subjects:
        ct = ContentType.objects.get_for_model(subject)
        by_type.setdefault(ct.pk, []).append(subject)
    rated = set()
    for ct_id, group in by_type.items():
        rows = Evaluation.objects.filter(
            content_type_id=ct_id, object_id__in=[str(s.pk) for s in group]
        ).values_list("object_id", "channel")
        rated |= {(ct_id, object_id, channel) for object_id, channel in rows}
    left = []
    for subject in subjects:
        ct_id = ContentType.objects.get_for_model(subject).pk
        channel = subject.evaluation_subject_info().get("channel") or "online"
        if (ct_id, str(subject.pk), channel) not in rated:
            left.append(subject)
    return left[: int(limit)]


@register.filter
def rate_url(subject) -> str:
    """The rating page of a subject (evaluations:rate)."""
    return reverse("evaluations:rate", args=[subject._meta.label_lower, subject.pk])
