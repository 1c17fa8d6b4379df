"""Ratings (好差评) through the service, the API and the staff list: channels and their
dimensions, the verified anonymous applicant, the monthly figures and their rates, scoping."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.appeals.factories import MONDAY, ClosedAppealFactory
from tests.core.factories import HandlerFactory, UserFactory, department
from tests.evaluations.factories import BadEvaluationFactory, EvaluationFactory
from tests.helpers import has_cjk
from yingshang.evaluations import services
from yingshang.evaluations.models import Evaluation, Rectification, RectStatus
from yingshang.evaluations.selectors import monthly_stats, stats_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(mianyang):
    return ClosedAppealFactory()


def test_offline_channel_takes_offline_dimensions(appeal):
    appeal.channel = "hotline"
    appeal.save()
    ev = services.submit_evaluation(appeal, appeal.applicant_user, 4, {"attitude": 5})
    assert ev.channel == "offline"
    assert ev.dimensions == {"overall": 4, "efficiency": 4, "service_level": 4, "attitude": 5}
    with pytest.raises(ValidationError) as exc:
        services.submit_evaluation(
            appeal, appeal.applicant_user, 4, channel="online", dimensions={"attitude": 5}
        )
    assert exc.value.message_dict == {"dimensions": ["未知的评价维度“attitude”。"]}


def test_blank_dimensions_default_to_the_overall_level(appeal):
    ev = services.submit_evaluation(appeal, appeal.applicant_user, 3, {"efficiency": ""})
    assert set(ev.dimensions.values()) == {3}


@pytest.mark.parametrize("level", ["abc", None, 0, 6, "2.5"])
def test_level_must_be_one_of_five(appeal, level):
    with pytest.raises(ValidationError) as exc:
        services.submit_evaluation(appeal, appeal.applicant_user, level)
    assert list(exc.value.message_dict) == ["level"]
    assert not Evaluation.objects.exists()


def test_unknown_channel_refused(appeal):
    with pytest.raises(ValidationError) as exc:
        services.submit_evaluation(appeal, appeal.applicant_user, 5, channel="fax")
    assert exc.value.message_dict["channel"] == ["评价渠道无效。"]


def test_a_verified_anonymous_applicant_may_rate(appeal):
    class Anonymous:
        is_authenticated = False
        pk = None

    ev = services.submit_evaluation(appeal, Anonymous(), 1, verified=True, now=MONDAY)
    assert ev.evaluator is None and ev.evaluator_name == ""
    assert Rectification.objects.get(evaluation=ev).status == RectStatus.VERIFYING


def test_bad_ratings_open_a_rectification_good_ones_do_not(mianyang):
    for level, opens in [(5, False), (4, False), (3, False), (2, True), (1, True)]:
        a = ClosedAppealFactory()
        ev = services.submit_evaluation(a, a.applicant_user, level)
        assert Rectification.objects.filter(evaluation=ev).exists() is opens
        assert ev.is_bad is opens


def test_monthly_figures_and_rates(mianyang):
    power = department("510700", "power")
    june = datetime.datetime(2025, 6, 10, 10, tzinfo=datetime.UTC)
    EvaluationFactory.create_batch(3, created_at=june)
    bad = BadEvaluationFactory(created_at=june)
    services.open_rectification(bad, now=june)
    BadEvaluationFactory(created_at=june, voided=True)  # 申诉成立: left out
    EvaluationFactory(created_at=june.replace(month=7))
    rows = monthly_stats(2025)
    assert [(r["month"], r["total"], r["good"], r["bad"]) for r in rows] == [
        ("2025-06", 4, 3, 1),
        ("2025-07", 1, 1, 0),
    ]
    assert rows[0]["good_rate"] == 75.0 and rows[0]["rectify_rate"] == 0.0
    assert rows[1]["rectify_rate"] is None and rows[0]["department"] == power.name
    Rectification.objects.filter(evaluation=bad).update(status=RectStatus.CLOSED)
    assert monthly_stats(2025)[0]["rectify_rate"] == 100.0
    assert monthly_stats(2024) == []
    assert monthly_stats(2025, department_id=power.pk + 10_000) == []
    table, months = stats_table(2025)
    assert months == ["2025-06", "2025-07"] and list(table) == [power.name]


def test_public_stats_page_and_api_by_year(mianyang, client):
    EvaluationFactory(created_at=datetime.datetime(2025, 6, 10, tzinfo=datetime.UTC))
    page = client.get("/evaluations/stats/?year=2025").content.decode()
    assert "国网绵阳供电公司" in page and "2025-06" in page
    assert "国网绵阳供电公司" not in client.get("/evaluations/stats/?year=2024").content.decode()
    rows = client.get("/api/evaluations/stats/?year=2025").json()
    assert rows[0]["total"] == 1 and rows[0]["good_rate"] == 100.0
    bad = client.get("/api/evaluations/stats/?year=x")
    assert bad.status_code == 400 and "year" in bad.json()["errors"]  # a field message, not a 500


def test_api_create_errors_in_english(appeal, client):
    client.force_login(appeal.applicant_user)
    r = client.post(
        "/api/evaluations/",
        {"subject_type": "core.user", "subject_id": "1", "level": 5},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert r.status_code == 400 and not has_cjk(str(r.json()["subject_type"]))
    r = client.post(
        "/api/evaluations/",
        {"subject_type": "appeals.appeal", "subject_id": "999999", "level": 5},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["subject_id"] == ["评价事项不存在。"]
    r = client.post(
        "/api/evaluations/",
        {"subject_type": "appeals.appeal", "subject_id": str(appeal.pk), "level": "x"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "level" in r.json()
    assert not Evaluation.objects.exists()
    r = client.post(
        "/api/evaluations/",
        {"subject_type": "appeals.appeal", "subject_id": str(appeal.pk), "level": 2},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["subject_type"] == "appeals.appeal"
    assert Rectification.objects.filter(evaluation_id=r.json()["id"]).exists()


def test_api_list_evaluator_sees_own_staff_see_scope(mianyang, client, staff):
    mine = EvaluationFactory()
    EvaluationFactory()
    client.force_login(mine.evaluator)
    assert [e["id"] for e in client.get("/api/evaluations/").json()["results"]] == [mine.pk]
    client.force_login(HandlerFactory(department=department("510781", "market")))
    assert client.get("/api/evaluations/").json()["results"] == []
    client.force_login(staff["jianduyuan"])
    assert len(client.get("/api/evaluations/").json()["results"]) == 2
    client.logout()
    assert client.get("/api/evaluations/").status_code in (401, 403)


def test_staff_list_filters_by_level_and_refuses_portal_users(mianyang, login, staff):
    EvaluationFactory(comment="很满意的一次办理")
    BadEvaluationFactory(comment="拖延严重")
    c = login(staff["jianduyuan"])
    page = c.get("/staff/evaluations/?level=1").content.decode()
    assert "拖延严重" in page and "很满意的一次办理" not in page
    assert "很满意的一次办理" in c.get("/staff/evaluations/?level=4").content.decode()
    assert login(UserFactory()).get("/staff/evaluations/").status_code in (302, 403, 404)
