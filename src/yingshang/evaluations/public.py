"""好差评's public entry points: rate a subject, its rating form, find its rating, step a
rectification (the only module of this app other apps import, besides
``evaluations.models``). See docs/architecture.md."""

from .forms import RatingForm
from .models import Evaluation
from .services import rectification_step, subject_key, submit_evaluation


def rating_of(subject, channel: str) -> Evaluation | None:
    """The subject's rating on this channel, or None."""
    return Evaluation.objects.filter(
        content_type_id=int(subject_key(subject).split(":")[0]),
        object_id=str(subject.pk),
        channel=channel,
    ).first()


__all__ = ["RatingForm", "rating_of", "rectification_step", "subject_key", "submit_evaluation"]
