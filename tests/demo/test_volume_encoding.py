"""The volume loader's row encoders (demo/cases.py) without a database: the PostgreSQL binary
COPY rows that ``_pg_encode`` builds with numpy decode, field by field, to the values of the
column specs (ints with their NULL sentinel, timestamps with 0 = NULL, fixed-width bytes,
dictionary columns of text, booleans, jsonb and constant timestamps); the SQLite rows of
``_py_rows`` carry the same values; ``_slices`` cuts a spec into parts that add up to it."""

import datetime
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingshang.demo import cases as demo

TYPES = {
    "id": "bigint",
    "number": "text",
    "count": "integer",
    "small": "smallint",
    "at": "timestamptz",
    "kind": "text",
    "flag": "boolean",
    "data": "jsonb",
    "stamp": "timestamptz",
    "owner": "integer",
}
KINDS = ["", "受理", "补正", None, "办结"]
STAMP = 1_750_000_000  # 2025-06-15 15:06:40 UTC


def _spec(m: int, rng) -> list:
    """A spec with every column kind the loader writes, ``m`` rows."""
    count = rng.integers(-1, 50, m)  # -1 is the NULL sentinel
    at = np.where(rng.random(m) < 0.3, 0, rng.integers(946_684_800, 2_000_000_000, m))
    number = np.array([f"N{i:04d}".encode() for i in range(m)], dtype="S5")
    return [
        ("id", "int", (np.arange(m, dtype=np.int64) + 10_000_000_000, None)),
        ("number", "raw", number),
        ("count", "int", (count, -1)),
        ("small", "int", (rng.integers(-300, 300, m), None)),
        ("at", "ts", at),
        ("kind", *demo._dict(rng.integers(0, len(KINDS), m), KINDS)),
        ("flag", *demo._dict(rng.integers(0, 2, m), [False, True])),
        ("data", *demo._dict(np.zeros(m, dtype=np.int64), [demo._Json('{"a": 1}')])),
        ("stamp", *demo._dict(np.zeros(m, dtype=np.int64), [demo._Stamp(STAMP)])),
        ("owner", *demo._dict(rng.integers(0, 3, m), [None, 7, 9])),
    ]


def _expected(spec: list) -> list[dict]:
    """The values the spec means, in plain Python (timestamps as epoch seconds)."""
    m = len(spec[0][2][0])
    rows = [{} for _ in range(m)]
    for name, kind, data in spec:
        for i in range(m):
            if kind == "raw":
                value = data[i].decode()
            elif kind == "ts":
                value = None if data[i] == 0 else int(data[i])
            elif kind == "int":
                values, sentinel = data
                value = None if values[i] == sentinel else int(values[i])
            else:
                codes, values = data
                value = values[codes[i]]
                if isinstance(value, demo._Stamp):
                    value = int(value)
                elif isinstance(value, demo._Json):
                    value = str(value)
            rows[i][name] = value
    return rows


def _decode(columns: list[str], payload: bytes) -> list[dict]:
    """A plain reader of PostgreSQL's binary COPY tuples (the format's documentation)."""
    rows, pos = [], 0
    while pos < len(payload):
        (n,) = struct.unpack_from(">h", payload, pos)
        pos += 2
        assert n == len(columns)
        row = {}
        for name in columns:
            (size,) = struct.unpack_from(">i", payload, pos)
            pos += 4
            if size == -1:
                row[name] = None
                continue
            raw = payload[pos : pos + size]
            pos += size
            pgtype = TYPES[name]
            if pgtype in ("bigint", "integer", "smallint"):
                assert size == {"bigint": 8, "integer": 4, "smallint": 2}[pgtype]
                row[name] = int.from_bytes(raw, "big", signed=True)
            elif pgtype == "timestamptz":
                micros = int.from_bytes(raw, "big", signed=True)
                assert micros % 1_000_000 == 0
                row[name] = micros // 1_000_000 + demo._PG_EPOCH
            elif pgtype == "boolean":
                assert raw in (b"\x00", b"\x01")
                row[name] = raw == b"\x01"
            elif pgtype == "jsonb":
                assert raw[:1] == b"\x01"  # jsonb's binary version byte
                row[name] = raw[1:].decode()
            else:
                row[name] = raw.decode()
        rows.append(row)
    assert pos == len(payload)
    return rows


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60), st.integers(0, 2**32 - 1))
def test_binary_copy_rows_decode_to_the_spec(m, seed):
    spec = _spec(m, np.random.default_rng(seed))
    columns, payload = demo._pg_encode(spec, TYPES)
    # the non-null fixed-width columns come first (one block per row), then the others
    assert columns[:3] == ["id", "number", "small"]
    assert sorted(columns) == sorted(TYPES)
    assert _decode(columns, payload) == _expected(spec)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_sqlite_rows_carry_the_same_values(m, seed):
    spec = _spec(m, np.random.default_rng(seed))
    columns, rows = demo._py_rows(spec)
    assert columns == [c[0] for c in spec]
    expected = _expected(spec)
    for row, want in zip(rows, expected, strict=True):
        got = dict(zip(columns, row, strict=True))
        for name in ("id", "number", "count", "small", "kind", "data", "owner"):
            assert got[name] == want[name]
        # booleans as 0/1, timestamps as UTC text (SQLite's storage of Django's datetimes)
        assert got["flag"] == int(want["flag"])
        assert got["stamp"] == "2025-06-15 15:06:40"
        if want["at"] is None:
            assert got["at"] is None
        else:
            at = datetime.datetime.fromtimestamp(want["at"], datetime.UTC)
            assert got["at"] == at.strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    "value,pgtype,data",
    [
        (None, "text", None),
        (None, "bigint", None),
        (True, "boolean", b"\x01"),
        (False, "boolean", b"\x00"),
        (-2, "smallint", b"\xff\xfe"),
        (1, "integer", b"\x00\x00\x00\x01"),
        (2**40, "bigint", (2**40).to_bytes(8, "big")),
        ("{}", "jsonb", b"\x01{}"),
        ("补正", "text", "补正".encode()),
        (demo._Stamp(demo._PG_EPOCH + 1), "timestamptz", (1_000_000).to_bytes(8, "big")),
    ],
)
def test_one_field_is_its_length_and_its_bytes(value, pgtype, data):
    got = demo._pg_value(value, pgtype)
    if data is None:
        assert got == b"\xff\xff\xff\xff"  # NULL: length -1, no data
    else:
        assert got == len(data).to_bytes(4, "big") + data


def test_a_timestamp_before_2000_is_negative():
    got = demo._pg_value(demo._Stamp(demo._PG_EPOCH - 1), "timestamptz")
    assert int.from_bytes(got[4:], "big", signed=True) == -1_000_000


def test_dictionary_entries_are_cached_and_a_long_list_is_keyed_by_identity():
    short = ["甲", "乙"]
    first = demo._pg_dictionary(short, "text")
    assert demo._pg_dictionary(list(short), "text")[0] is first[0]  # same values, same cache
    encoded, sizes, offsets = first
    assert sizes.tolist() == [7, 7] and offsets.tolist() == [0, 7]
    assert bytes(encoded[offsets[1] : offsets[1] + sizes[1]]) == demo._pg_value("乙", "text")
    long_a = [str(i) for i in range(1001)]
    long_b = [str(i) for i in range(1001)]
    long_b[0] = "x"
    a = demo._pg_dictionary(long_a, "text")
    b = demo._pg_dictionary(long_b, "text")
    assert bytes(a[0][: a[1][0]]) == demo._pg_value("0", "text")
    assert bytes(b[0][: b[1][0]]) == demo._pg_value("x", "text")


def test_the_shared_index_grows_and_never_shrinks():
    small = demo._arange(3)
    assert small.tolist() == [0, 1, 2]
    big = demo._arange(5000)
    assert big.tolist() == list(range(5000))
    assert demo._arange(4).tolist() == [0, 1, 2, 3]
    assert len(demo._ARANGE) >= 5000


@pytest.mark.parametrize("m,step", [(10, 3), (10, 10), (10, 25), (1, 1)])
def test_slices_add_up_to_the_spec(m, step):
    spec = _spec(m, np.random.default_rng(m + step))
    parts = list(demo._slices(spec, step))
    assert len(parts) == -(-m // step)
    rows = [row for part in parts for row in demo._py_rows(part)[1]]
    assert rows == demo._py_rows(spec)[1]
    for part in parts:
        assert [c[0] for c in part] == [c[0] for c in spec]
        assert part[5][2][1] is spec[5][2][1]  # a dictionary's values are shared, not copied


def test_ts_and_int_dtypes():
    assert demo._pg_dtype("integer", "ts") == np.dtype(">i8")
    assert demo._pg_dtype("smallint", "int") == np.dtype(">i2")
    with pytest.raises(KeyError):
        demo._pg_dtype("text", "int")


def test_case_numbers_decode_the_fixed_width_bytes():
    cols = {"number": np.array([b"51070020250609900000001", b"51070020250609900000002"])}
    assert demo.case_numbers(cols) == ["51070020250609900000001", "51070020250609900000002"]
