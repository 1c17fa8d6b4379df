"""The per-process memo (platform/memo.py): a value is kept ``ttl`` seconds, ``clear`` drops it
by key prefix — at once and again when the transaction commits — and a value computed while a
clear happened is not kept."""

import pytest
from django.db import transaction

from yingshang.platform import memo


class Source:
    """A computation that counts its calls and returns its current version."""

    def __init__(self):
        self.calls, self.version = 0, "v1"

    def __call__(self):
        self.calls += 1
        return (self.version, self.calls)


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: now[0])
    return now


def test_kept_for_the_ttl_then_computed_again(clock):
    source = Source()
    first = memo.get("t.a", 60, source)
    clock[0] += 59.9
    assert memo.get("t.a", 60, source) is first and source.calls == 1
    clock[0] += 0.2
    assert memo.get("t.a", 60, source) == ("v1", 2)


def test_clear_drops_the_keys_with_the_prefix_only(clock):
    a, b = Source(), Source()
    memo.get("catalog.home", 60, a)
    memo.get("other.home", 60, b)
    memo.clear("catalog.")
    memo.get("catalog.home", 60, a)
    memo.get("other.home", 60, b)
    assert (a.calls, b.calls) == (2, 1)
    memo.clear()
    memo.get("other.home", 60, b)
    assert b.calls == 2


@pytest.mark.django_db
def test_a_clear_inside_a_transaction_drops_again_on_commit(
    clock, django_capture_on_commit_callbacks
):
    """A reader in another thread may compute from the old rows between the change and the
    commit: what it kept goes when the change commits."""
    source = Source()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            memo.clear("t.")
            source.version = "read before the commit"
            memo.get("t.b", 60, source)
            assert memo.get("t.b", 60, source)[0] == "read before the commit"
        source.version = "v2"
    assert memo.get("t.b", 60, source) == ("v2", 2)


def test_a_value_computed_across_a_clear_is_returned_but_not_kept(clock):
    source = Source()

    def racing():
        value = source()
        memo.clear("t.")  # the data changed while this was being computed
        return value

    assert memo.get("t.c", 60, racing) == ("v1", 1)
    source.version = "v2"
    assert memo.get("t.c", 60, source) == ("v2", 2)
