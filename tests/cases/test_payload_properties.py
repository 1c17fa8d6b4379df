"""The submission payload's two checks (cases/payload.py) agree on every input: the fast check
either declines (None) or returns exactly what the serializer validates, and it never accepts
what the serializer refuses. Payloads are drawn from near-valid values and the kinds of mistakes
departmental systems make (wrong types, blanks, padding, NUL, surrogates, over-long text)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from yingshang.cases import payload
from yingshang.cases.models import ApplicantKind, Channel

MISSING = object()


def _text(max_length):
    good = st.text(alphabet=st.sampled_from(list("AZaz09营商-_")), min_size=1, max_size=8)
    bad = st.sampled_from(["", " ", " x", "x ", "a\x00b", "\ud800", "x" * ((max_length or 60) + 1)])
    other = st.sampled_from([None, 5, 1.5, True, [], {}])
    return st.one_of(good, good, good, bad, other)


def _choice(values):
    return st.one_of(st.sampled_from(values), st.sampled_from(["", "fax", None, 1]))


def _maybe(strategy):
    return st.one_of(st.just(MISSING), strategy)


material = st.fixed_dictionaries(
    {
        "key": _text(40),
        "filename": _text(200),
        "content_base64": _text(None),
    },
    optional={"extra": st.just(1)},
)

submissions = st.fixed_dictionaries(
    {
        "item": _maybe(_text(80)),
        "bundle": _maybe(_text(50)),
        "division": _maybe(_text(20)),
        "channel": _maybe(_choice(list(Channel.values))),
        "applicant_kind": _maybe(_choice(list(ApplicantKind.values))),
        "applicant_code": _maybe(_text(18)),
        "applicant_name": _maybe(_text(200)),
        "applicant_phone": _maybe(_text(20)),
        "form_data": _maybe(
            st.one_of(st.dictionaries(st.text(max_size=3), st.integers()), st.lists(st.integers()))
        ),
        "materials": _maybe(st.one_of(st.lists(material, max_size=2), st.just({"key": "m"}))),
    }
).map(lambda d: {k: v for k, v in d.items() if v is not MISSING})


def _serializer(data):
    ser = payload.CaseCreateSerializer(data=data)
    ok = ser.is_valid()
    if not ok:
        return None
    out = dict(ser.validated_data)
    if "materials" in out:
        out["materials"] = [dict(m) for m in out["materials"]]
    return out


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(submissions)
def test_the_fast_check_never_disagrees_with_the_serializer(data):
    quick = payload.fast_clean(data)
    slow = _serializer(data)
    if quick is not None:
        assert slow is not None, "the fast check accepted what the serializer refuses"
        assert quick == slow


@settings(max_examples=100)
@given(submissions)
def test_clean_returns_the_serializers_answer_or_raises(data):
    slow = _serializer(data)
    if slow is None:
        with pytest.raises(ValidationError):
            payload.clean(data)
    else:
        cleaned = dict(payload.clean(data))
        if "materials" in cleaned:
            cleaned["materials"] = [dict(m) for m in cleaned["materials"]]
        assert cleaned == slow


@pytest.mark.parametrize(
    "data",
    [
        {"applicant_kind": "person", "applicant_code": "510"},  # neither
        {"item": "X", "bundle": "B", "applicant_kind": "person", "applicant_code": "510"},
    ],
)
def test_exactly_one_target_with_the_error_on_item(data):
    assert payload.fast_clean(data) is None
    with pytest.raises(ValidationError) as exc:
        payload.clean(data)
    assert "item" in exc.value.detail


def test_the_default_channel_is_filled_in_by_both():
    data = {"item": "X", "applicant_kind": "person", "applicant_code": "510"}
    assert payload.fast_clean(data)["channel"] == Channel.API
    assert _serializer(data)["channel"] == Channel.API


def test_form_data_is_copied_not_shared():
    form = {"a": 1}
    out = payload.fast_clean(
        {"item": "X", "applicant_kind": "person", "applicant_code": "5", "form_data": form}
    )
    out["form_data"]["a"] = 2
    assert form == {"a": 1}


def test_an_unknown_spec_kind_is_a_programming_error():
    with pytest.raises(TypeError):
        payload._drf_field(object())


@pytest.mark.parametrize(
    "value, ok",
    [
        ("营商", True),
        ("", False),
        (" a", False),
        ("a\x00", False),
        ("\udc00", False),
        ("x" * 19, False),
        (b"bytes", False),
    ],
)
def test_plain_text(value, ok):
    assert payload._plain(value, payload.Text(18)) is ok


def test_blank_allowed_only_where_declared():
    assert payload._plain("", payload.Text(10, allow_blank=True))
    assert not payload._plain("", payload.Text(10))
