"""Two staff acting on one case at the same moment: exactly one succeeds (row lock on
PostgreSQL; the version-check fallback is tested on every database in test_workflow)."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
)
def test_two_clerks_at_once_only_one_wins(transactional_db, submitted, staff, monkeypatch):
    from yingshang.cases import workflow
    from yingshang.cases.models import Case, CaseEvent

    original = workflow._validate_data

    def slow_validate(*args, **kwargs):
        time.sleep(0.3)  # hold the row lock while the other thread arrives
        return original(*args, **kwargs)

    monkeypatch.setattr(workflow, "_validate_data", slow_validate)
    barrier = threading.Barrier(2)
    results = {}

    def act(name, user, action, data):
        from django.db import connections

        try:
            barrier.wait()
            workflow.transition(Case.objects.get(pk=submitted.pk), action, user, **data)
            results[name] = "ok"
        except ValidationError as exc:
            results[name] = exc.message_dict.get("action", ["?"])[0]
        finally:
            connections.close_all()

    t1 = threading.Thread(target=act, args=("a", staff["chengban"], "accept", {}))
    t2 = threading.Thread(
        target=act, args=("b", staff["kezhang"], "reject", {"reason": "不符合条件"})
    )
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    assert sorted(v == "ok" for v in results.values()) == [False, True], results
    loser = next(v for v in results.values() if v != "ok")
    assert "不能执行" in loser
    case = Case.objects.get(pk=submitted.pk)
    assert case.status in ("accepted", "rejected")
    assert CaseEvent.objects.filter(case=case).exclude(action="submit").count() == 1
    assert case.lock_version == 1
