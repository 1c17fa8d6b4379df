"""Masking of 居民身份证号 and mobile numbers (platform/masking.py): properties over valid numbers
(python-stdnum computes the GB 11643 check digit) embedded in arbitrary text, and the logging
filter that keeps them out of log files."""

import datetime
import logging
import string

from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from yingshang.platform.masking import (
    MaskPersonalDataFilter,
    mask_id_number,
    mask_phone,
    mask_text,
)

# Areas that existed for every birth year drawn (stdnum checks the place against the year).
AREAS = st.sampled_from(["510722", "510781", "110101", "440305"])
BIRTHS = st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2025, 12, 31)).map(
    lambda d: d.strftime("%Y%m%d")
)


@st.composite
def rics(draw):
    """A valid 18-digit 居民身份证号 (the check digit may be X), lower- or upper-case."""
    body = draw(AREAS) + draw(BIRTHS) + f"{draw(st.integers(0, 999)):03d}"
    number = body + ric.calc_check_digit(body + "0")  # stdnum wants a placeholder digit
    assert ric.is_valid(number)
    return number.lower() if draw(st.booleans()) else number


phones = st.builds(
    lambda second, rest: f"1{second}{rest:09d}",
    st.sampled_from("3456789"),
    st.integers(0, 10**9 - 1),
)
# Text around a number that cannot glue a digit onto it.
filler = st.text(
    alphabet=st.sampled_from(list("营商环境绵阳,。:() abcXYZ-") + list(string.punctuation)),
    max_size=12,
)


@given(rics())
def test_an_id_number_keeps_its_area_and_last_four(number):
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:]
    assert masked[6:14] == "*" * 8  # the birth date never shows


@given(phones)
def test_a_phone_keeps_its_prefix_and_last_four(number):
    masked = mask_phone(number)
    assert masked == number[:3] + "****" + number[-4:]


@given(st.text(alphabet="0123456789X", max_size=8))
def test_short_values_are_masked_entirely(value):
    assert mask_id_number(value) == "*" * len(value)


@given(st.text(alphabet="0123456789", max_size=6))
def test_short_phones_are_masked_entirely(value):
    assert mask_phone(value) == "*" * len(value)


def test_missing_values_mask_to_empty():
    assert mask_id_number(None) == mask_id_number("") == ""
    assert mask_phone(None) == mask_phone("") == ""
    assert mask_phone(13812345678) == "138****5678"  # numbers stored as int too


@given(filler, rics(), filler.filter(bool), phones, filler)
def test_free_text_hides_every_number_and_keeps_the_rest(a, number, b, phone, c):
    text = f"{a}{number}{b}{phone}{c}"  # b: something between the two numbers
    masked = mask_text(text)
    assert number not in masked and number[6:14] not in masked
    assert phone not in masked and phone[3:7] + phone[7:] not in masked
    assert masked == f"{a}{mask_id_number(number)}{b}{mask_phone(phone)}{c}"
    assert mask_text(masked) == masked  # idempotent


@given(st.integers(10**18, 10**25 - 1))
def test_longer_digit_runs_are_not_mistaken_for_numbers(n):
    """A bank card or an order number longer than an ID number is left whole (and so is any
    11-digit stretch inside it)."""
    text = f"账号{n}"
    assert mask_text(text) == text


def _record(msg, *args):
    return logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, None)


def test_log_filter_masks_the_formatted_message():
    record = _record("申请人 %s 电话 %s", "510703199001011237", "13812345678")
    assert MaskPersonalDataFilter().filter(record) is True
    assert record.getMessage() == "申请人 510703********1237 电话 138****5678"
    assert record.args is None


def test_log_filter_leaves_clean_records_alone():
    record = _record("第 %d 件", 3)
    MaskPersonalDataFilter().filter(record)
    assert record.msg == "第 %d 件" and record.args == (3,)


def test_log_filter_passes_a_broken_format_string_through():
    record = _record("%d items", "not a number")
    assert MaskPersonalDataFilter().filter(record) is True
    assert record.msg == "%d items"


def test_the_console_handler_masks(settings):
    logging_config = settings.LOGGING
    assert logging_config["filters"]["mask_personal"]["()"].endswith(".MaskPersonalDataFilter")
    assert "mask_personal" in logging_config["handlers"]["console"]["filters"]
