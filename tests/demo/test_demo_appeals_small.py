"""The appeals step (500) at a few dozen appeals on the organisation alone: the numbers asked
for, the same appeals for the same seed (loaded, removed, loaded again), other appeals for
another seed, a rerun that changes nothing, the demo enterprises and accounts, the printed
查询码 opening its appeal, and the records' relations (appellants from the demo enterprises,
lead departments set from 交办 on, a closed appeal replied first, events in time order)."""

import random
from io import StringIO

import pytest
from django.db import transaction

from yingshang.appeals.models import Appeal, AppealEvent, QASession, Status
from yingshang.demo import appeals as demo
from yingshang.demo.framework import Tally
from yingshang.registry.models import Enterprise

pytestmark = pytest.mark.django_db

N = 40


def _load(seed, n=N, out=None):
    tally = Tally()
    demo.load_appeals({"seed": seed, "appeals": n}, tally, out)
    return tally


def _snapshot():
    return [
        (a.title, a.status, a.appeal_type, a.topic, a.lead_department_id, a.uscc)
        for a in Appeal.objects.order_by("submitted_at", "title", "pk")
    ]


def _loaded_and_undone(seed):
    """The snapshot of a load in a savepoint that is then rolled back (event logs are
    append-only: the rows cannot be deleted)."""
    with transaction.atomic():
        _load(seed)
        snapshot = _snapshot()
        transaction.set_rollback(True)
    assert not Appeal.objects.exists()
    return snapshot


def test_the_step_loads_the_appeals_asked_for_and_a_rerun_changes_nothing(mianyang):
    tally = _load(3)
    assert Appeal.objects.count() >= N
    others = Appeal.objects.exclude(uscc__startswith=demo.DEMO_USCC_PREFIX)
    assert set(others.values_list("appellant_kind", flat=True)) <= {"person"}
    assert tally.counts["enterprises"]["created"] == 120
    before = (Appeal.objects.count(), AppealEvent.objects.count(), QASession.objects.count())
    again = _load(3)
    assert again.counts["enterprises"]["unchanged"] == 120
    assert again.counts["appeals"]["unchanged"] == before[0]
    assert "created" not in {k for k, v in again.counts["staff"].items() if v}
    after = (Appeal.objects.count(), AppealEvent.objects.count(), QASession.objects.count())
    assert after == before


def test_the_same_seed_gives_the_same_appeals(mianyang):
    first = _loaded_and_undone(11)
    assert first
    assert _loaded_and_undone(11) == first
    assert _loaded_and_undone(12) != first


def test_the_demo_enterprises_are_valid_and_the_account_is_linked(mianyang):
    _load(5, n=5)
    ours = Enterprise.objects.filter(uscc__startswith=demo.DEMO_USCC_PREFIX).order_by("uscc")
    assert ours.count() == 120
    assert [e.uscc for e in ours[:3]] == [demo.demo_uscc(i) for i in (1, 2, 3)]
    from yingshang.core.models import User

    office = User.objects.get(username="qiyefuwu")
    power = User.objects.get(username="gongdian")
    assert office.department.function_key == "gov_service" and office.role == "handler"
    assert power.department.function_key == "power"
    assert User.objects.get(username="qiye").role == ""


def test_the_printed_query_code_opens_its_appeal(mianyang, client):
    out = StringIO()
    _load(8, out=out)
    line = next(x for x in out.getvalue().splitlines() if "demo query code: appeal" in x)
    number, code = line.split("appeal ")[1].split(" (")[0].split(" → ")
    r = client.post("/appeals/track/", {"number": number, "code": code})
    assert r.status_code == 302
    assert client.get(f"/appeals/{number}/").status_code == 200


def test_records_agree_with_their_status(mianyang):
    _load(21)
    enterprises = set(
        Enterprise.objects.filter(uscc__startswith=demo.DEMO_USCC_PREFIX).values_list(
            "uscc", flat=True
        )
    )
    for a in Appeal.objects.prefetch_related("events"):
        if a.appellant_kind == "enterprise":
            assert a.uscc in enterprises, a.number
        if a.status not in (Status.SUBMITTED, Status.SIGNED):
            assert a.lead_department_id is not None, a.number
            assert a.dispatched_at is not None and a.due_at is not None
        if a.status == Status.CLOSED:
            assert a.replied_at is not None and a.reply_text
            assert a.closed_at >= a.replied_at
        times = [e.at for e in a.events.all()]
        assert times == sorted(times), a.number
        assert a.events.first() is not None
        assert a.events.order_by("at", "pk").first().action == "submit"


def test_session_dates_fall_in_the_demo_year(mianyang):
    _load(4, n=10)
    start, end = demo.demo_year()
    dates = list(QASession.objects.values_list("date", flat=True))
    assert dates
    assert all(start <= d <= end for d in dates)


def test_texts_for_the_step_are_reproducible_from_the_rng():
    a = demo.make_text(random.Random(1), "power", demo.AppealType.HELP, "涪城区", "电子信息")
    b = demo.make_text(random.Random(1), "power", demo.AppealType.HELP, "涪城区", "电子信息")
    assert a == b and a[0] == "power"
