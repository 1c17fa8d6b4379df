"""The case list API's filters, good and bad: status (several), channel, item code, division,
department id, dates, SLA state, search and top-level rows; a bad value is a 400 naming the
parameter, never a 500 (``top_level=perhaps`` is still ignored by django-filter's boolean
widget: not covered here); scoping still applies under filters."""

import datetime

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/cases/"


@pytest.fixture
def api(login, staff):
    return login(staff["chengban"])


def _numbers(r):
    assert r.status_code == 200, r.content
    body = r.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["number"] for row in rows}


def test_status_channel_item_and_search_filters(api, submitted):
    number = submitted.number
    assert _numbers(api.get(URL, {"status": "submitted"})) == {number}
    assert _numbers(api.get(URL, {"status": ["accepted", "completed"]})) == set()
    assert _numbers(api.get(URL, {"status": ["accepted", "submitted"]})) == {number}
    assert _numbers(api.get(URL, {"channel": submitted.channel})) == {number}
    other = "window" if submitted.channel != "window" else "online"
    assert _numbers(api.get(URL, {"channel": other})) == set()
    code = submitted.item.implementation_code
    assert _numbers(api.get(URL, {"item": code})) == {number}
    assert _numbers(api.get(URL, {"item": code + "0"})) == set()
    assert _numbers(api.get(URL, {"q": number})) == {number}
    assert _numbers(api.get(URL, {"top_level": "true"})) == {number}
    assert _numbers(api.get(URL, {"top_level": "false"})) == set()


def test_dates_and_places(api, submitted):
    day = submitted.submitted_at.astimezone(datetime.UTC).date()
    before, after = day - datetime.timedelta(days=1), day + datetime.timedelta(days=1)
    assert _numbers(api.get(URL, {"submitted_from": before.isoformat()})) == {submitted.number}
    assert (
        _numbers(api.get(URL, {"submitted_from": (after + datetime.timedelta(days=1)).isoformat()}))
        == set()
    )
    assert _numbers(api.get(URL, {"submitted_to": before.isoformat()})) == set()
    assert _numbers(api.get(URL, {"division": submitted.division.code})) == {submitted.number}
    assert _numbers(api.get(URL, {"division": "510781"})) == set()
    dept = submitted.department_id
    assert _numbers(api.get(URL, {"department": dept})) == {submitted.number}
    assert _numbers(api.get(URL, {"department": dept + 1000})) == set()


def test_sla_state_of_a_case_not_yet_accepted(api, submitted):
    # no clock before 受理: in no SLA state
    for state in ("on_time", "warning", "overdue"):
        assert _numbers(api.get(URL, {"sla_state": state})) == set(), state


@pytest.mark.parametrize(
    "params,name",
    [
        ({"status": "lost"}, "status"),
        ({"channel": "fax"}, "channel"),
        ({"sla_state": "late"}, "sla_state"),
        ({"submitted_from": "2025-13-01"}, "submitted_from"),
        ({"submitted_to": "yesterday"}, "submitted_to"),
        ({"department": "market"}, "department"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api, submitted, params, name):
    r = api.get(URL, params)
    assert r.status_code == 400, r.content
    assert name in r.json()


def test_filters_never_widen_the_scope(login, staff, submitted):
    api = login(staff["jiangyou_chengban"])  # another county's market bureau
    for params in ({}, {"status": "submitted"}, {"q": submitted.number}, {"division": "510700"}):
        assert _numbers(api.get(URL, params)) == set(), params


def test_the_detail_of_a_case_out_of_scope_is_404(login, staff, submitted):
    r = login(staff["jiangyou_chengban"]).get(f"{URL}{submitted.number}/")
    assert r.status_code == 404
    r = login(staff["chengban"]).get(f"{URL}{submitted.number}/")
    assert r.status_code == 200 and r.json()["number"] == submitted.number


def test_a_number_of_the_wrong_shape_is_404(api, submitted):
    assert api.get(f"{URL}abc/").status_code == 404
    assert api.get(f"{URL}{'9' * 40}/").status_code == 404
