"""The callback's refusal counts are added up in the process and written at most once per
WECHAT_REFUSAL_FLUSH_SECONDS (one UPDATE for many refusals): none is lost, none is counted
twice, and a flood does not write once per message."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from yingshang.channels import services
from yingshang.channels.models import RefusalCount, RefusalReason


def _count(reason):
    return sum(RefusalCount.objects.filter(reason=reason).values_list("count", flat=True))


@pytest.fixture
def tally():
    t = services._Tally()
    yield t
    with t.lock:
        if t.timer is not None:
            t.timer.cancel()


@pytest.mark.django_db
def test_many_refusals_are_one_write_per_reason(tally):
    for _ in range(50):
        tally.add(RefusalReason.UNBOUND, 3600)
    for _ in range(7):
        tally.add(RefusalReason.RATE, 3600)
    assert _count(RefusalReason.UNBOUND) == 0  # nothing written before the flush
    with CaptureQueriesContext(connection) as q:
        tally.flush()
    updates = [x["sql"] for x in q.captured_queries if "channels_refusalcount" in x["sql"].lower()]
    # per reason: one UPDATE (and the INSERT of the day's row the first time), not one per refusal
    assert len(updates) <= 4
    assert _count(RefusalReason.UNBOUND) == 50
    assert _count(RefusalReason.RATE) == 7
    tally.flush()  # nothing pending: nothing more
    assert _count(RefusalReason.UNBOUND) == 50


@pytest.mark.django_db
def test_adds_from_many_threads_are_all_counted(tally):
    def work():
        for _ in range(200):
            tally.add(RefusalReason.UNBOUND, 3600)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    tally.flush()
    assert _count(RefusalReason.UNBOUND) == 1600


@pytest.mark.django_db(transaction=True)
def test_the_timer_writes_after_the_interval_and_once(settings):
    settings.WECHAT_REFUSAL_FLUSH_SECONDS = 0.2
    for _ in range(3):
        with transaction.atomic():
            services.count_refusal_after_commit(RefusalReason.UNBOUND)
    assert _count(RefusalReason.UNBOUND) == 0  # added up, not yet written
    deadline = time.monotonic() + 10
    while _count(RefusalReason.UNBOUND) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _count(RefusalReason.UNBOUND) == 3
    time.sleep(0.4)
    assert _count(RefusalReason.UNBOUND) == 3  # written once


@pytest.mark.django_db(transaction=True)
def test_a_refusal_in_a_rolled_back_transaction_is_not_counted(settings):
    settings.WECHAT_REFUSAL_FLUSH_SECONDS = 0
    with pytest.raises(RuntimeError), transaction.atomic():
        services.count_refusal_after_commit(RefusalReason.RATE)
        raise RuntimeError
    assert _count(RefusalReason.RATE) == 0
    with transaction.atomic():
        services.count_refusal_after_commit(RefusalReason.RATE)
    assert _count(RefusalReason.RATE) == 1
