"""The `yingshang reforms` command."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yingshang.reforms.models import Task

from .conftest import FIXTURES


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("reforms", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_parse_json_shape_writes_nothing():
    out, _err = run("parse", str(FIXTURES / "style_b_qingdan.txt"), "--year", "2019", "--json")
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 5
    assert set(data[0]) == {
        "number",
        "measure",
        "content",
        "lead_units",
        "partner_units",
        "deadline",
        "deadline_text",
        "uncertain_fields",
        "note",
    }
    assert data[0]["deadline"] == "2019-06-30" and data[0]["lead_units"] == ["市发展改革委"]
    assert data[0]["uncertain_fields"] == [] and data[0]["note"] == ""
    assert data[1]["deadline"] is None and data[1]["deadline_text"] == "每季度"
    assert Task.objects.count() == 0


def test_parse_flags_uncertain_fields_in_json_and_text():
    corpus = FIXTURES.parent / "corpus" / "jiangsu_taizhou_2019.txt"
    out, _err = run("parse", str(corpus), "--year", "2019", "--json")
    (task,) = json.loads(out)
    # 责任单位 lists five units and names no lead: all kept, the lead flagged, not guessed silently
    assert task["uncertain_fields"] == ["lead_units", "deadline"]
    assert task["lead_units"] + task["partner_units"] == [
        "市行政审批局",
        "住建局",
        "司法局",
        "各市(区)人民政府",
        "医药高新区管委会",
    ]
    out, _err = run("parse", str(corpus), "--year", "2019")
    assert "待确认" in out and "lead_units" in out


def test_import_refuses_fuzzy_without_flag(programme):
    with pytest.raises(CommandError):
        run("import", str(FIXTURES / "style_a_fangan.txt"), "--programme", str(programme.pk))
    assert programme.tasks.count() == 0
    out, _ = run(
        "import",
        str(FIXTURES / "style_a_fangan.txt"),
        "--programme",
        str(programme.pk),
        "--accept-fuzzy",
    )
    assert "市市场监管局 → 市市场监督管理局" in out and "imported 6 tasks" in out
    assert programme.tasks.count() == 6


def test_parse_reports_errors(tmp_path, db):
    f = tmp_path / "bad.txt"
    f.write_text("一、措施\n1.甲。(市发改委牵头)\n2.乙没有单位\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run("parse", str(f), "--json")


def test_sweep_command(imported):
    out, _ = run("sweep", "--date", "2019-03-05")
    assert "tasks 6" in out and "reminders" in out
