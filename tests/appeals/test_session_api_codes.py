"""政企面对面 through the API: an invited or asking company must be registered — an unknown
USCC is a 400 on its field naming the code (Chinese, or English with Accept-Language: en) and
nothing is written, as on the staff page."""

import pytest

from yingshang.appeals.models import QASession

from .conftest import make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(mianyang):
    from yingshang.registry.models import Enterprise

    return Enterprise.objects.create(uscc=make_uscc(410), name="绵阳登记在册企业有限公司")


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_an_unknown_invited_company_is_refused_and_no_session_is_written(
    office, depts, login, registered, lang
):
    unknown = make_uscc(411)
    before = QASession.objects.count()
    r = login(office).post(
        "/api/appeals/sessions/",
        {"date": "2019-02-21", "title": "第二场", "enterprises": [registered.uscc, unknown]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    assert r.status_code == 400, r.content
    message = " ".join(r.json()["enterprises"])
    assert unknown in message and registered.uscc not in message
    assert ("未登记" in message) == (lang == "zh-hans")
    assert QASession.objects.count() == before


def test_registered_codes_are_invited_whatever_their_case_and_blanks(
    office, depts, login, registered
):
    r = login(office).post(
        "/api/appeals/sessions/",
        {
            "date": "2019-02-21",
            "title": "第三场",
            "theme": "融资",
            "enterprises": [f" {registered.uscc.lower()} "],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert list(QASession.objects.get(pk=r.json()["id"]).enterprises.all()) == [registered]


def test_an_unknown_asking_company_is_refused_and_no_question_is_written(
    office, depts, login, registered
):
    c = login(office)
    sid = c.post(
        "/api/appeals/sessions/",
        {"date": "2019-02-21", "title": "第四场", "theme": "用工"},
        content_type="application/json",
    ).json()["id"]
    session = QASession.objects.get(pk=sid)
    body = {"question": "融资难", "answering_department": depts["financial"].pk}
    r = c.post(
        f"/api/appeals/sessions/{sid}/questions/",
        {**body, "enterprise": make_uscc(412)},
        content_type="application/json",
    )
    assert r.status_code == 400 and make_uscc(412) in " ".join(r.json()["enterprise"])
    assert session.questions.count() == 0
    r = c.post(
        f"/api/appeals/sessions/{sid}/questions/",
        {**body, "enterprise": registered.uscc},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert session.questions.get().enterprise == registered
    r = c.post(
        f"/api/appeals/sessions/{sid}/questions/",
        {**body, "enterprise": ""},
        content_type="application/json",
    )
    assert r.status_code == 201 and session.questions.filter(enterprise=None).count() == 1
