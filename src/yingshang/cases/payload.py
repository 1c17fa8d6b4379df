"""The submission payload of the API (``POST /api/cases/`` and each entry of the batch), declared
once. Both checks are built from this one declaration:

* ``CaseCreateSerializer`` (``serializer_class``) — DRF fields generated from the spec; it words
  the errors and feeds the OpenAPI schema;
* ``fast_clean`` — the same fields checked with plain type tests for a well-formed payload (the
  common case of a departmental system), without building serializer fields; it returns the
  serializer's validated data or None for anything unusual, which then goes to the serializer.

Adding or changing a field here changes both; ``test_fast_clean_equals_serializer`` holds them
equal.
"""

import math
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from yingshang.platform.uploads import CASE_MATERIAL

from .models import ApplicantKind, Channel


@dataclass(frozen=True)
class Text:
    max_length: int | None
    required: bool = False
    allow_blank: bool = False
    help_text: object = ""


@dataclass(frozen=True)
class Choice:
    choices: list
    required: bool = False
    default: str | None = None
    values: frozenset = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "values", frozenset(v for v, _label in self.choices))


@dataclass(frozen=True)
class Mapping:
    required: bool = False


@dataclass(frozen=True)
class ListOf:
    spec: dict
    name: str
    required: bool = False
    max_items: int | None = None


MATERIAL = {
    "key": Text(40, required=True, help_text=gettext_lazy("材料标识（见事项材料）")),
    "filename": Text(200, required=True),
    # the Base64 text of a file of UPLOAD_MAX_BYTES (the upload service checks the decoded size)
    "content_base64": Text(
        4 * math.ceil(settings.UPLOAD_MAX_BYTES / 3),
        required=True,
        help_text=gettext_lazy("文件内容，Base64 编码"),
    ),
}
SUBMISSION = {
    "item": Text(80, help_text=gettext_lazy("实施编码")),
    "bundle": Text(50, help_text=gettext_lazy("一件事标识")),
    "division": Text(20, help_text=gettext_lazy("申办区划代码")),
    "channel": Choice(Channel.choices, default=Channel.API),
    "applicant_kind": Choice(ApplicantKind.choices, required=True),
    "applicant_code": Text(18, required=True),
    "applicant_name": Text(200, allow_blank=True),
    "applicant_phone": Text(20, allow_blank=True),
    "form_data": Mapping(),
    "materials": ListOf(MATERIAL, "MaterialUpload", max_items=CASE_MATERIAL.max_files),
}


def one_target(attrs) -> bool:
    """The rule across fields: exactly one of item and bundle."""
    return bool(attrs.get("item")) != bool(attrs.get("bundle"))


# --------------------------------------------------------------------------- serializer


def _drf_field(spec):
    if isinstance(spec, Text):
        return serializers.CharField(
            max_length=spec.max_length,
            required=spec.required,
            allow_blank=spec.allow_blank,
            help_text=spec.help_text or None,
        )
    if isinstance(spec, Choice):
        if spec.default is not None:
            return serializers.ChoiceField(choices=spec.choices, default=spec.default)
        return serializers.ChoiceField(choices=spec.choices, required=spec.required)
    if isinstance(spec, Mapping):
        return serializers.DictField(required=spec.required)
    if isinstance(spec, ListOf):
        # a ListField, not many=True: its max_length is checked and shown as maxItems
        return serializers.ListField(
            child=serializer_class(spec.name, spec.spec)(),
            required=spec.required,
            max_length=spec.max_items,
        )
    raise TypeError(spec)


def serializer_class(name: str, spec: dict, validate=None):
    attrs = {field: _drf_field(s) for field, s in spec.items()}
    if validate is not None:
        attrs["validate"] = validate
    return type(f"{name}Serializer", (serializers.Serializer,), attrs)


def _validate_submission(self, attrs):
    if not one_target(attrs):
        raise serializers.ValidationError({"item": _("请指定事项（item）或一件事（bundle）之一。")})
    return attrs


CaseCreateSerializer = serializer_class("CaseCreate", SUBMISSION, _validate_submission)


# --------------------------------------------------------------------------- fast check


def _plain(value, spec: Text) -> bool:
    """A string DRF's CharField keeps as it is: no surrounding blanks to trim, not blank
    unless allowed, within max_length, no NUL or lone surrogate characters."""
    if type(value) is not str or value != value.strip() or "\x00" in value:
        return False
    if not value and not spec.allow_blank:
        return False
    if spec.max_length is not None and len(value) > spec.max_length:
        return False
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


_MISSING = object()


def _fast(spec: dict, data) -> dict | None:
    if type(data) is not dict:
        return None
    out = {}
    for name, s in spec.items():
        value = data.get(name, _MISSING)
        if value is _MISSING:
            if s.required:
                return None
            if type(s) is Choice and s.default is not None:
                out[name] = s.default
            continue
        kind = type(s)
        if kind is Text:
            if not _plain(value, s):
                return None
            out[name] = value
        elif kind is Choice:
            if type(value) is not str or value not in s.values:
                return None
            out[name] = value
        elif kind is Mapping:
            if type(value) is not dict:
                return None
            out[name] = dict(value)
        else:  # ListOf
            if type(value) is not list or (s.max_items is not None and len(value) > s.max_items):
                return None
            rows = []
            for row in value:
                row = _fast(s.spec, row)
                if row is None:
                    return None
                rows.append(row)
            out[name] = rows
    return out


def fast_clean(data) -> dict | None:
    """``CaseCreateSerializer(data=data).validated_data`` for a well-formed payload, or None
    when anything is unusual (wrong type, blanks, whitespace to trim, too long, missing,
    unknown choice): the serializer then validates it and words the errors."""
    out = _fast(SUBMISSION, data)
    if out is None or not one_target(out):
        return None
    return out


def clean(data) -> dict:
    """The validated submission: the fast check, else the serializer (raises its field
    errors as ``serializers.ValidationError``)."""
    out = fast_clean(data)
    if out is None:
        ser = CaseCreateSerializer(data=data)
        ser.is_valid(raise_exception=True)
        out = ser.validated_data
    return out
