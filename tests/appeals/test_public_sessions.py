"""The public record of Q&A sessions (政企面对面): only published sessions, in date order, on the
pages and the API (an unpublished one is a 404 everywhere), and a session's commitment tally
by state."""

import datetime

import pytest

from tests.appeals.factories import CommitmentFactory, QASessionFactory
from yingshang.appeals.models import CommitmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(mianyang):
    return {
        "later": QASessionFactory(title="第三场", date=datetime.date(2025, 7, 1)),
        "earlier": QASessionFactory(title="第一场", date=datetime.date(2025, 5, 1)),
        "hidden": QASessionFactory(title="内部筹备会", published=False),
    }


def test_the_list_page_and_api_show_published_sessions_by_date(sessions, client):
    page = client.get("/appeals/sessions/").content.decode()
    assert "内部筹备会" not in page
    assert page.index("第一场") < page.index("第三场")
    rows = client.get("/api/appeals/sessions/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert [r["title"] for r in rows] == ["第一场", "第三场"]


@pytest.mark.parametrize("url", ["/appeals/sessions/{pk}/", "/api/appeals/sessions/{pk}/"])
def test_an_unpublished_session_is_404_for_the_public(sessions, client, url):
    assert client.get(url.format(pk=sessions["hidden"].pk)).status_code == 404
    assert client.get(url.format(pk=sessions["later"].pk)).status_code == 200


def test_the_session_page_tallies_its_commitments_by_state(sessions, client, depts):
    session = sessions["earlier"]
    states = [
        CommitmentStatus.PENDING,
        CommitmentStatus.PENDING,
        CommitmentStatus.IN_PROGRESS,
        CommitmentStatus.VERIFIED,
    ]
    for i, state in enumerate(states):
        CommitmentFactory(
            session=session, status=state, content=f"承诺{i}", owner_department=depts["power"]
        )
    CommitmentFactory(session=sessions["later"], status=CommitmentStatus.OVERDUE)
    r = client.get(f"/appeals/sessions/{session.pk}/")
    tally = {code: n for _label, code, n in r.context["counts"]}
    assert tally == {
        "pending": 2,
        "in_progress": 1,
        "completed": 0,
        "verified": 1,
        "overdue": 0,  # the other session's overdue one is not counted here
    }
    html = r.content.decode()
    assert '<span class="pill status-pending">待落实 2</span>' in html
    assert '<span class="pill status-verified">已销号 1</span>' in html
