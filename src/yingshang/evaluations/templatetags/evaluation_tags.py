"""``{% rating_form subject %}``: the five-star rating right where a finished subject is shown
(the applicant's case page, the tracking page, an appeal). Loaded by name in templates, so the
apps whose subjects are rated need not import this app (they are on the same layer).

``subject`` implements ``evaluation_subject_info()`` (docs/evaluations.md). ``action`` is where
the form posts (default: this app's generic rate page, which checks the applicant or the
visitor's proof in the session); ``next`` is where to go back after a rating. Nothing is shown
for a subject that is not finished; a rated subject shows its rating."""

from django import template
from django.urls import reverse

from ..models import Level
from ..selectors import rating_of

register = template.Library()


def subject_type(subject) -> str:
    return f"{subject._meta.app_label}.{subject._meta.model_name}"


@register.inclusion_tag("evaluations/_stars.html", takes_context=True)
def rating_form(context, subject, action="", next="", errors=None):
    info = subject.evaluation_subject_info()
    channel = info.get("channel") or "online"
    return {
        "finished": bool(info.get("finished")),
        "rated": rating_of(subject, channel),
        "action": action or reverse("evaluations:rate", args=[subject_type(subject), subject.pk]),
        "next": next,
        "levels": Level.choices,
        "errors": errors or {},
        "csrf_token": context.get("csrf_token"),
        "uid": f"r{subject.pk}",
    }
