"""好差评's public entry points: rate a subject, its rating form, find its rating, step a
rectification (the only module of this app other apps import, besides
``evaluations.models``). See docs/architecture.md."""

from .forms import RatingForm
from .selectors import rating_of
from .services import rectification_step, subject_key, submit_evaluation

__all__ = ["RatingForm", "rating_of", "rectification_step", "subject_key", "submit_evaluation"]
