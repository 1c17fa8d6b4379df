"""platform/choices.py: the cached get_FOO_display() answers exactly what Django's own method
does — for every field with fixed choices of every model, every choice and an unknown value,
in Chinese and in English — and follows the active language."""

from django.apps import apps
from django.db.models import Model
from django.utils import translation

from yingshang.cases.models import Case, Status
from yingshang.platform import choices


def _choice_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.choices and field.model is model:
                yield model, field


def test_every_display_matches_django_in_both_languages():
    checked = 0
    for model, field in _choice_fields():
        display = getattr(model, f"get_{field.name}_display")
        for value in [v for v, _label in field.flatchoices] + ["no-such-value"]:
            obj = model()
            setattr(obj, field.attname, value)
            for lang in ("zh-hans", "en"):
                with translation.override(lang):
                    assert display(obj) == Model._get_FIELD_display(obj, field), (
                        model,
                        field.name,
                        value,
                        lang,
                    )
                    checked += 1
    assert checked > 500  # the project has many choice fields


def test_installed_and_follows_the_language():
    assert choices.installed > 20  # at start-up, on every model's choice fields
    assert choices.install() == 0  # nothing left to replace
    case = Case(status=Status.SUBMITTED)
    with translation.override("zh-hans"):
        zh = case.get_status_display()
    with translation.override("en"):
        en = case.get_status_display()
    assert zh == "已申报" and en == "Submitted"
    assert id(Case._meta.get_field("status")) in choices._tables
