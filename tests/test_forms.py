"""Pages take input through forms: bad query-string input gives a field message (never a 500),
service refusals come back beside the field, and the ``Period`` value type of monitoring."""

import datetime

import pytest

from yingshang.monitoring.periods import Period

BAD_PAGES = [
    # (user, url, query, message the page must show)
    ("admin", "/staff/appeals/", {"page": "abc"}, "页码必须是正整数"),
    ("admin", "/staff/appeals/", {"page": "99999"}, "页码超出范围"),
    ("admin", "/staff/appeals/commitments/", {"page": "0"}, "页码"),
    ("admin", "/staff/cases/", {"page": "-3"}, "页码"),
    ("admin", "/staff/cases/", {"status": "nonsense"}, "nonsense"),
    ("admin", "/staff/evaluations/", {"level": "9"}, "9"),
    ("admin", "/staff/evaluations/rectifications/", {"status": "x"}, "x"),
    ("admin", "/staff/audit/", {"date_from": "2026-13-45"}, "日期格式应为 YYYY-MM-DD"),
    (
        "admin",
        "/staff/audit/",
        {"date_from": "2026-05-01", "date_to": "2026-04-01"},
        "截止日期不能早于起始日期",
    ),
    ("admin", "/staff/calendar/", {"year": "abc"}, "年份必须是四位数字"),
    ("admin", "/staff/calendar/", {"year": "99999"}, "年份"),
    ("admin", "/staff/departments/", {"page": "1e9"}, "页码"),
    ("admin", "/notifications/", {"page": "x"}, "页码"),
    ("admin", "/staff/monitoring/", {"kind": "month", "period": "2026-13"}, "2026-13"),
    ("admin", "/staff/monitoring/supervision/", {"month": "May"}, "月份格式应为 YYYY-MM"),
    ("admin", "/staff/monitoring/process/", {"from": "yesterday"}, "日期格式应为 YYYY-MM-DD"),
    (None, "/services/", {"page": "many"}, "页码必须是正整数"),
    (None, "/services/", {"theme": "aliens"}, "aliens"),
    (None, "/evaluations/stats/", {"year": "20x6"}, "年度必须是四位数字"),
    (None, "/evaluations/stats/", {"year": "1066"}, "年度"),
]


@pytest.mark.parametrize(("who", "url", "query", "message"), BAD_PAGES)
def test_bad_query_input_is_a_field_message_not_an_error(
    client, staff, login, who, url, query, message
):
    c = login(staff[who]) if who else client
    r = c.get(url, query)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'class="errorlist filter-errors"' in html and message in html


def test_valid_filters_show_no_message(staff, login):
    c = login(staff["admin"])
    for url, query in [
        ("/staff/appeals/", {"queue": "all", "page": "1"}),
        ("/staff/audit/", {"date_from": "2026-01-01", "date_to": "2026-12-31"}),
        ("/staff/calendar/", {"year": "2026"}),
    ]:
        html = c.get(url, query).content.decode()
        assert "filter-errors" not in html, url


def test_reforms_schedule_bad_unit_is_a_message(staff, login, mianyang):
    from yingshang.reforms import services

    bureau = next(u for u in staff.values() if services.is_bureau(u) and u.division_id)
    p = services.create_programme(
        user=bureau,
        title="测试方案",
        issue_date=datetime.date(2026, 3, 1),
        division=bureau.division,
    )
    r = login(bureau).get(f"/staff/reforms/{p.pk}/", {"unit": "abc", "state": "x"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "filter-errors" in html and 'data-field="unit"' in html and 'data-field="state"' in html


def test_programme_form_rejects_bad_input_and_writes_nothing(staff, login):
    from yingshang.reforms import services
    from yingshang.reforms.models import Programme

    bureau = next(u for u in staff.values() if services.is_bureau(u) and u.division_id)
    c = login(bureau)
    r = c.post(
        "/staff/reforms/",
        {"title": "x", "issue_date": "2026-02-30", "lag_margin": "500"},
        follow=True,
    )
    html = r.content.decode()
    assert "印发日期格式应为 YYYY-MM-DD" in html and "滞后容差应在0到100之间" in html
    # beside their fields, on the page rendered again (not a flash after a redirect)
    assert r.status_code == 400 and not r.redirect_chain
    assert 'data-field="issue_date"' in html and 'data-field="lag_margin"' in html
    assert not Programme.objects.exists()


# --- appeals: form messages beside the fields, service messages mapped back ------------------


def test_appeal_form_reports_every_bad_field_at_once(client, mianyang):
    from yingshang.appeals.models import Appeal

    r = client.post(
        "/appeals/new/",
        {
            "appellant_kind": "person",
            "person_name": "",
            "id_number": "110101199003070000",
            "contact_name": "张三",
            "contact_phone": "12",
            "appeal_type": "nope",
            "topic": "tax",
            "text": "短",
        },
    )
    html = r.content.decode()
    assert r.status_code == 200
    for message in [
        "请填写姓名",
        "居民身份证号码无效",
        "联系电话格式不正确",
        "请选择诉求类型",
        "诉求内容过短",
    ]:
        assert message in html, message
    assert not Appeal.objects.exists()


def test_dispatch_to_an_unknown_department_is_a_field_message(staff, login):
    from yingshang.appeals import services
    from yingshang.appeals.models import Appeal, Status

    from .appeals.conftest import make_uscc

    office = staff["jianduyuan"]  # the service office (see tests/appeals/conftest.py)
    a = services.submit_appeal(
        channel="portal",
        appellant_kind="enterprise",
        uscc=make_uscc(7),
        enterprise_name="测试公司",
        contact_name="甲",
        contact_phone="13800000000",
        appeal_type="help",
        topic="tax",
        title="退税",
        text="增值税留抵退税什么时候到账?",
    )
    c = login(office)
    c.post(f"/staff/appeals/{a.pk}/sign/")
    r = c.post(f"/staff/appeals/{a.pk}/dispatch/", {"lead_department": "999999"}, follow=True)
    html = r.content.decode()
    assert 'data-field="lead_department"' in html and "请选择主办部门" in html
    a.refresh_from_db()
    assert a.status != Status.DISPATCHED and Appeal.objects.count() == 1


def test_confirm_needs_a_choice(client, mianyang):
    from yingshang.appeals.views import ERRORS_KEY

    from .appeals.conftest import make_uscc

    r = client.post(
        "/appeals/new/",
        {
            "appellant_kind": "enterprise",
            "uscc": make_uscc(8),
            "enterprise_name": "测试公司",
            "contact_name": "甲",
            "contact_phone": "13800001234",
            "appeal_type": "help",
            "topic": "tax",
            "title": "退税",
            "text": "增值税留抵退税什么时候到账?",
        },
    )
    number = r["Location"].rstrip("/").split("/")[-1]
    client.post(f"/appeals/{number}/confirm/", {"resolved": "maybe"})
    assert "resolved" in client.session[ERRORS_KEY]


# --- the public modules -------------------------------------------------------------------


def test_registry_public_looks_up_enterprises(mianyang):
    from yingshang.registry import public as registry

    from .appeals.conftest import make_uscc

    e = registry.register_enterprise(uscc=make_uscc(9), name="公开接口公司")
    assert list(registry.enterprises_by_uscc([make_uscc(9).lower(), make_uscc(10)])) == [e]
    assert registry.enterprise_by_uscc(make_uscc(9)) == e


# --- Period --------------------------------------------------------------------------------


def test_period_of_parse_and_neighbours():
    p = Period.of("quarter", datetime.date(2026, 11, 5))
    assert (p.start, p.end, p.label) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
        "2026-Q4",
    )
    assert Period.parse("quarter", "2026-Q4") == p
    assert p.next() == Period.parse("quarter", "2027-Q1")
    assert p.previous().label == "2026-Q3"
    assert [x.label for x in Period.parse("month", "2026-02").last(3)] == [
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    week = Period.parse("week", "2026-W01")
    assert week.start.weekday() == 0 and (week.end - week.start).days == 6
    assert datetime.date(2026, 2, 28) in Period.parse("month", "2026-02")
    assert datetime.date(2026, 3, 1) not in Period.parse("month", "2026-02")
    assert [x.label for x in Period.overlapping("year", p.start, datetime.date(2027, 1, 1))] == [
        "2026",
        "2027",
    ]


@pytest.mark.parametrize(
    ("kind", "text"), [("month", "2026-13"), ("quarter", "2026-Q5"), ("fortnight", "2026")]
)
def test_period_parse_refuses_bad_text(kind, text):
    with pytest.raises(ValueError):
        Period.parse(kind, text)


def test_period_refuses_a_misaligned_span():
    with pytest.raises(ValueError):
        Period("month", datetime.date(2026, 2, 2), datetime.date(2026, 3, 1))
    with pytest.raises(ValueError):
        Period("month", datetime.date(2026, 2, 1), datetime.date(2026, 2, 27))
    with pytest.raises(AttributeError):
        Period.of("day", datetime.date(2026, 1, 1)).kind = "year"  # frozen
