"""The site's own date formats (``yingshang.formats``, FORMAT_MODULE_PATH): one numeric style
(GB/T 7408: 2026-12-06, 2026-12-06 14:30) in Chinese and English, the Chinese input formats
forms accept, and Monday as the first day of the week."""

import datetime

import pytest
from django import forms
from django.template import Context, Template
from django.utils import formats, translation

from yingshang.formats.en import formats as en
from yingshang.formats.zh_Hans import formats as zh

DAY = datetime.date(2026, 12, 6)
MOMENT = datetime.datetime(2026, 12, 6, 14, 30, 5)
LANGUAGES = ["zh-hans", "en"]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DATE_FORMAT", DAY, "2026-12-06"),
        ("SHORT_DATE_FORMAT", DAY, "2026-12-06"),
        ("DATETIME_FORMAT", MOMENT, "2026-12-06 14:30"),
        ("SHORT_DATETIME_FORMAT", MOMENT, "2026-12-06 14:30"),
        ("TIME_FORMAT", MOMENT.time(), "14:30"),
        ("YEAR_MONTH_FORMAT", DAY, "2026-12"),
        ("MONTH_DAY_FORMAT", DAY, "12-06"),
    ],
)
def test_both_languages_write_numeric_dates(lang, name, value, expected):
    with translation.override(lang):
        assert formats.date_format(value, name) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_templates_use_the_site_formats_not_djangos(lang):
    template = Template(
        "{{ d|date }}|{{ d|date:'SHORT_DATE_FORMAT' }}|{{ m }}|{{ m|date:'YEAR_MONTH_FORMAT' }}"
    )
    with translation.override(lang):
        text = template.render(Context({"d": DAY, "m": MOMENT}))
    assert text == "2026-12-06|2026-12-06|2026-12-06 14:30|2026-12"
    assert "年" not in text and "/" not in text and "Dec" not in text


def test_single_digit_months_and_days_are_zero_padded():
    with translation.override("zh-hans"):
        assert formats.date_format(datetime.date(2027, 1, 2)) == "2027-01-02"
        assert formats.date_format(datetime.datetime(2027, 1, 2, 3, 4), "DATETIME_FORMAT") == (
            "2027-01-02 03:04"
        )


def test_the_two_languages_agree_on_every_output_format():
    names = [n for n in dir(zh) if n.endswith("_FORMAT")]
    assert len(names) == 7
    assert {n: getattr(zh, n) for n in names} == {n: getattr(en, n) for n in names}
    assert zh.FIRST_DAY_OF_WEEK == en.FIRST_DAY_OF_WEEK == 1  # Monday


@pytest.mark.parametrize("lang", LANGUAGES)
def test_monday_starts_the_week(lang):
    with translation.override(lang):
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1


@pytest.mark.parametrize("typed", ["2026-12-06", "2026/12/06", "2026年12月06日", "2026年12月6日"])
def test_chinese_date_inputs_are_accepted(typed):
    with translation.override("zh-hans"):
        field = forms.DateField()
        assert field.clean(typed) == DAY


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-06 14:30:05", MOMENT),
        ("2026-12-06 14:30", MOMENT.replace(second=0)),
        ("2026/12/06 14:30:05", MOMENT),
        ("2026/12/06 14:30", MOMENT.replace(second=0)),
        ("2026-12-06", datetime.datetime(2026, 12, 6)),
    ],
)
def test_chinese_datetime_inputs_are_accepted(typed, expected, settings):
    settings.USE_TZ = False
    with translation.override("zh-hans"):
        assert forms.DateTimeField().clean(typed) == expected


@pytest.mark.parametrize("typed", ["06/12/2026", "2026.12.06", "12月6日", "2026-13-01"])
def test_other_date_spellings_are_refused_in_chinese(typed):
    with translation.override("zh-hans"), pytest.raises(forms.ValidationError):
        forms.DateField().clean(typed)


def test_the_first_chinese_input_format_is_the_output_format():
    # a date written by the site can be typed back in unchanged
    written = DAY.strftime(zh.DATE_INPUT_FORMATS[0])
    with translation.override("zh-hans"):
        assert written == formats.date_format(DAY)
        assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%Y-%m-%d"
