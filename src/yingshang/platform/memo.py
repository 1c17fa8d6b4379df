"""Per-process memo of small read models that change rarely and are read on every public page
(the portal's popular items, bundles, themes, filter choices).

A value is kept in this process for ``ttl`` seconds, and dropped at once when the data it
comes from changes in this process (the owning app calls :func:`clear` from its signals, and
again when the transaction commits, so a reader in another thread cannot keep the old rows).
Other server processes see the change when their copy expires: at most ``ttl`` seconds later.
Only for data that may be that old on a public page — never for permissions, scope or anything
a decision depends on. Values must be plain and immutable in use (tuples, strings, numbers):
every request gets the same object.
"""

import threading
import time
from collections.abc import Callable

from django.db import transaction

_store: dict[str, tuple[float, object]] = {}
_lock = threading.Lock()
_generation = 0  # one more on every clear: a value computed across a clear is not kept


def get(key: str, ttl: float, compute: Callable[[], object]):
    """The memoised value of ``key``, computed by ``compute()`` when absent or older than
    ``ttl`` seconds. A value whose computation overlapped a :func:`clear` is returned but not
    kept (it may hold the rows from before the change)."""
    now = time.monotonic()
    hit = _store.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    started = _generation
    value = compute()
    with _lock:
        if _generation == started:
            _store[key] = (now + ttl, value)
    return value


def _drop(prefix: str) -> None:
    global _generation
    with _lock:
        _generation += 1
        for key in [k for k in _store if k.startswith(prefix)]:
            del _store[key]


def clear(prefix: str = "") -> None:
    """Forget every value whose key starts with ``prefix`` (all of them by default), now and
    again when the current transaction commits."""
    _drop(prefix)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _drop(prefix))
