"""The calendar admin beyond adding a year: the confirm and re-seed actions' messages, the
inline's day checks in Chinese and English, editing a year's days and the recount."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from yingshang.workdays import calendar as workdays
from yingshang.workdays import services
from yingshang.workdays.models import CalendarDay, CalendarStatus, CalendarYear, DayKind

D = datetime.date
pytestmark = pytest.mark.django_db
CHANGELIST = "admin:workdays_calendaryear_changelist"


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def post_action(client, action, rows):
    return client.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": [r.pk for r in rows]},
        follow=True,
    )  # fmt: skip


def inline(year_row, days, **extra):
    """The change form's POST: the year's fields and its existing days, plus ``days`` new."""
    existing = list(year_row.days.order_by("date"))
    data = {
        "year": year_row.year, "status": year_row.status, "source": year_row.source,
        "note": year_row.note, "days-TOTAL_FORMS": str(len(existing) + len(days)),
        "days-INITIAL_FORMS": str(len(existing)), "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, d in enumerate(existing):
        data.update({f"days-{i}-id": d.pk, f"days-{i}-year": year_row.pk,
                     f"days-{i}-date": d.date.isoformat(), f"days-{i}-kind": d.kind,
                     f"days-{i}-name": d.name})  # fmt: skip
    for j, (date, kind, name) in enumerate(days, start=len(existing)):
        data.update({f"days-{j}-date": date, f"days-{j}-kind": kind, f"days-{j}-name": name})
    data.update(extra)
    return data


@pytest.fixture
def year_2040(db):
    CalendarYear.objects.filter(year=2040).delete()
    services.set_day(2040, D(2040, 1, 2), DayKind.HOLIDAY, "元旦")
    return CalendarYear.objects.get(year=2040)


def test_confirm_action_messages(year_2040, admin_client):
    empty = CalendarYear.objects.create(year=2041)  # no holiday: cannot be confirmed
    confirmed = CalendarYear.objects.get(year=2026)
    r = post_action(admin_client, "confirm_arrangement", [year_2040, empty, confirmed])
    assert messages_of(r) == [
        "2026 年此前已确认。",
        "2040 年已确认。",
        "2041 年尚未录入任何节假日，不能确认。",
    ]
    assert CalendarYear.objects.get(year=2040).status == CalendarStatus.CONFIRMED
    assert CalendarYear.objects.get(year=2041).status == CalendarStatus.PROVISIONAL


def test_reseed_action_reports_the_changes(admin_client):
    row = CalendarYear.objects.get(year=2027)
    assert row.status == CalendarStatus.PROVISIONAL
    extra = CalendarDay.objects.filter(year=row).first()
    extra.delete()  # one day missing against the library
    r = post_action(admin_client, "reseed_from_library", [row])
    assert messages_of(r) == ["2027 年：新增 1，更新 0，删除 0。"]
    assert CalendarDay.objects.filter(date=extra.date).exists()


@pytest.mark.parametrize(
    "date,kind,lang,message",
    [
        ("2040-03-05", DayKind.MAKEUP, "zh-hans", "调休工作日必须是周六或周日。"),  # a Monday
        (
            "2040-03-03",
            DayKind.HOLIDAY,
            "zh-hans",
            "周末本为休息日，无需登记为节假日。",
        ),  # Saturday
        ("2041-01-01", DayKind.HOLIDAY, "zh-hans", "日期 2041-01-01 不在 2040 年内。"),
        ("2040-02-30", DayKind.HOLIDAY, "zh-hans", "输入一个有效的日期。"),
        ("2040-03-05", DayKind.MAKEUP, "en", "must be a Saturday or Sunday"),
    ],
)
def test_inline_refuses_bad_days(year_2040, admin_client, date, kind, lang, message):
    url = reverse("admin:workdays_calendaryear_change", args=[year_2040.pk])
    r = admin_client.post(url, inline(year_2040, [(date, kind, "x")]), HTTP_ACCEPT_LANGUAGE=lang)
    assert r.status_code == 200  # the form again, with the message beside the day
    assert message in r.content.decode()
    assert list(year_2040.days.values_list("date", flat=True)) == [D(2040, 1, 2)]


def test_editing_days_in_the_admin_recounts_and_refreshes_the_calendar(year_2040, admin_client):
    url = reverse("admin:workdays_calendaryear_change", args=[year_2040.pk])
    assert workdays.is_working_day(D(2040, 3, 5))
    data = inline(year_2040, [("2040-03-05", DayKind.HOLIDAY, "地方假日"),
                              ("2040-03-10", DayKind.MAKEUP, "调休")])  # fmt: skip
    r = admin_client.post(url, data)
    assert r.status_code == 302
    row = CalendarYear.objects.get(year=2040)
    assert row.working_days == 261 - 2 + 1
    assert not workdays.is_working_day(D(2040, 3, 5)) and workdays.is_working_day(D(2040, 3, 10))
    # deleting a day through the inline puts the weekday back
    data = inline(row, [])
    first = next(i for i in range(3) if data[f"days-{i}-date"] == "2040-03-05")
    data[f"days-{first}-DELETE"] = "on"
    assert admin_client.post(url, data).status_code == 302
    assert workdays.is_working_day(D(2040, 3, 5))
    assert CalendarYear.objects.get(year=2040).working_days == 261 - 1 + 1


def test_change_form_warns_only_for_provisional_years(year_2040, admin_client):
    url = reverse("admin:workdays_calendaryear_change", args=[year_2040.pk])
    assert "2040 年的放假安排尚未确认" in admin_client.get(url).content.decode()
    confirmed = CalendarYear.objects.get(year=2026)
    page = admin_client.get(reverse("admin:workdays_calendaryear_change", args=[confirmed.pk]))
    assert "尚未确认" not in page.content.decode()
