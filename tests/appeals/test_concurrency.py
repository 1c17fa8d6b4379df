"""Concurrent actions on one appeal: the row lock (select_for_update) and the one-rating
constraint let exactly one of two simultaneous requests through; the other gets a clear error.

On PostgreSQL the loser waits for the lock and then gets the field-level error. The SQLite test
database is in memory with a shared cache, where a competing writer fails at once with "table is
locked" instead of waiting (a file database in WAL mode with ``transaction_mode=IMMEDIATE`` and a
timeout, as configured, waits); there the loser's outcome is that OperationalError. Either way
exactly one succeeds and nothing is half-written.
"""

import threading

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from yingshang.appeals import services
from yingshang.appeals.models import Appeal, AppealEvent, Status
from yingshang.core.models import User
from yingshang.evaluations.models import Evaluation
from yingshang.evaluations.services import submit_evaluation


def _race(fn, n=2):
    barrier = threading.Barrier(n)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(("ok", fn()))
        except ValidationError as exc:
            results.append(("error", exc))
        except OperationalError as exc:
            assert connection.vendor == "sqlite", exc
            results.append(("locked", exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_replies_and_two_ratings_at_once(
    transactional_db, mianyang, depts, submit, portal_user
):
    office = User.objects.get(username="jianduyuan")
    h = User.objects.create_user(
        "power_c", role="handler", division=depts["power"].division, department=depts["power"]
    )
    a = submit(user=portal_user)
    services.dispatch(a, office, depts["power"])
    results = _race(lambda: services.reply(Appeal(pk=a.pk), h, "同时答复"))
    assert sorted(r[0] for r in results) in (["error", "ok"], ["locked", "ok"])
    err = next(r[1] for r in results if r[0] != "ok")
    assert isinstance(err, OperationalError) or "status" in err.message_dict
    assert AppealEvent.objects.filter(appeal_id=a.pk, action="reply").count() == 1
    services.confirm(Appeal.objects.get(pk=a.pk), portal_user, True)
    closed = Appeal.objects.get(pk=a.pk)
    assert closed.status == Status.CLOSED
    results = _race(lambda: submit_evaluation(closed, portal_user, 5))
    assert sorted(r[0] for r in results) in (["error", "ok"], ["locked", "ok"])
    assert Evaluation.objects.count() == 1
