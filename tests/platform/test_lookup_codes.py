"""查询码 (platform/lookup_codes.py): at least 40 random bits, typed loosely, compared exactly;
and the shared rate-limit counters (platform/ratelimit.py) on the database cache."""

import math

import pytest
from django.core.cache import caches
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from yingshang.platform import lookup_codes, ratelimit
from yingshang.platform.models import AuditEntry

numbers = st.text(alphabet="0123456789ABCDEFGHSLQT-", min_size=1, max_size=24)
seeds = st.binary(min_size=16, max_size=16).map(bytes.hex)


@given(number=numbers, seed=seeds)
def test_code_has_at_least_40_bits_and_round_trips(number, seed):
    code = lookup_codes.code_for("case", number, seed)
    assert len(code) == lookup_codes.LENGTH
    assert set(code) <= set(lookup_codes.ALPHABET)
    assert len(code) * math.log2(len(lookup_codes.ALPHABET)) >= 40
    shown = lookup_codes.display(code)
    assert lookup_codes.matches("case", number, seed, shown)
    assert lookup_codes.matches("case", number, seed, f" {shown.lower()} ")
    # the same seed under another kind or number is another code
    assert not lookup_codes.matches("appeal", number, seed, code)
    assert not lookup_codes.matches("case", number + "X", seed, code)


@given(number=numbers, seed=seeds, position=st.integers(0, 9), delta=st.integers(1, 31))
def test_one_changed_character_never_matches(number, seed, position, delta):
    code = lookup_codes.code_for("case", number, seed)
    alphabet = lookup_codes.ALPHABET
    changed = code[:position] + alphabet[(alphabet.index(code[position]) + delta) % 32]
    changed += code[position + 1 :]
    assert not lookup_codes.matches("case", number, seed, changed)


def test_codes_are_spread_over_the_whole_space():
    """10,000 seeds give 10,000 different codes, and every character position uses the whole
    alphabet (a weak generator would repeat or leave characters out)."""
    codes = {lookup_codes.code_for("case", "N", lookup_codes.new_seed()) for _ in range(10_000)}
    assert len(codes) == 10_000
    for position in range(lookup_codes.LENGTH):
        assert {c[position] for c in codes} == set(lookup_codes.ALPHABET)


def test_seedless_rows_and_short_input_open_nothing():
    assert lookup_codes.code_for("case", "N", "") == ""
    assert not lookup_codes.matches("case", "N", "", "")
    assert not lookup_codes.matches("case", "N", "", "0000000000")
    seed = lookup_codes.new_seed()
    code = lookup_codes.code_for("case", "N", seed)
    assert not lookup_codes.matches("case", "N", seed, code[:4])
    assert not lookup_codes.matches("case", "N", seed, "")


def test_code_depends_on_the_server_key(settings):
    seed = lookup_codes.new_seed()
    before = lookup_codes.code_for("case", "N", seed)
    settings.LOOKUP_CODE_KEY = "another key"
    assert lookup_codes.code_for("case", "N", seed) != before


def test_lookalikes_are_read_as_crockford_base32():
    assert lookup_codes.normalise("ilo-ILO") == "110110"


def test_production_settings_use_a_shared_cache(monkeypatch):
    """Without REDIS_URL the counters live in the database (seen by every process); with it in
    Redis — never a per-process cache."""
    import importlib

    import yingshang.settings as mod

    assert mod.CACHES["default"]["BACKEND"].endswith("db.DatabaseCache")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        reloaded = importlib.reload(mod)
        assert reloaded.CACHES["default"]["BACKEND"].endswith("redis.RedisCache")
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(mod)


@pytest.mark.django_db
def test_counters_are_shared_between_two_cache_clients(settings):
    """Two cache clients on the database table (as two server processes have): the failures
    counted through one block the look-up through the other; the block is audited."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "yingshang_cache",  # made by migrate (the platform's post_migrate hook)
        }
    }
    request = RequestFactory().get("/track/", REMOTE_ADDR="203.0.113.9")
    first = caches["default"]
    for _ in range(20):
        limit = ratelimit.Limit(request, "test.shared", target="SL-1")
        limit.check()
        limit.fail()
    del caches["default"]  # a new client: nothing in this process remembers the counts
    second = caches["default"]
    assert second is not first
    with pytest.raises(ratelimit.RateLimited) as blocked:
        ratelimit.Limit(request, "test.shared", target="SL-1").check()
    assert 1 <= blocked.value.retry_after <= 600
    entry = AuditEntry.objects.get(action="ratelimit.blocked")
    assert entry.object_id == "test.shared" and entry.changes["target"] == "SL-1"
    # another address on another target is not affected
    other = RequestFactory().get("/track/", REMOTE_ADDR="198.51.100.7")
    ratelimit.Limit(other, "test.shared", target="SL-2").check()
    second.clear()
