"""Fast ``get_FOO_display()`` for every model field with fixed choices.

Django's ``Model._get_FIELD_display`` rebuilds ``dict(make_hashable(field.flatchoices))`` on
every call, and hashing a lazily translated label translates it: one call translates every
label of the field. The load benchmark's profile (bench/load, docs/performance.md) showed this
at about 7 % of the server's time on the mixed workload — 50 calls per page of the case API,
one per row of the staff queue. Here the table is built once per field and kept; its labels
stay lazy, so ``get_FOO_display()`` still answers in the language active at the call. Fields
whose choices are a callable (evaluated anew each time) keep Django's own method.

``install()`` runs from ``PlatformConfig.ready()``, when every model class exists.
"""

from functools import partialmethod

from django.apps import apps
from django.db.models import Model
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_tables: dict[int, dict] = {}
installed = 0  # how many methods install() replaced


def _display(self, field):
    value = getattr(self, field.attname)
    table = _tables.get(id(field))
    if table is None:
        table = _tables[id(field)] = dict(make_hashable(field.flatchoices))
    # force_str() translates the one label, in the active language
    return force_str(table.get(make_hashable(value), value), strings_only=True)


def install() -> int:
    """Replace Django's ``get_FOO_display`` where the model did not define its own; returns
    how many were replaced."""
    global installed
    replaced = 0
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if not getattr(field, "choices", None) or getattr(field, "model", None) is not model:
                continue
            if isinstance(field.choices, CallableChoiceIterator):
                continue
            name = f"get_{field.name}_display"
            current = model.__dict__.get(name)
            if isinstance(current, partialmethod) and current.func is Model._get_FIELD_display:
                setattr(model, name, partialmethod(_display, field=field))
                replaced += 1
    installed += replaced
    return replaced
