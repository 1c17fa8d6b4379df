"""`yingshang monitoring …`: unreadable files, the text output of scores, definition checks of
a given file, the recompute/report/xes arguments — every refusal with exit status 2, in the
chosen language."""

import io

import pytest
from django.core.management import CommandError, call_command

from yingshang.monitoring.models import BenchmarkValue, IndicatorValue
from yingshang.platform.models import AuditEntry

from .test_definitions import GOOD

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("monitoring", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args):
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("monitoring", *args, stdout=io.StringIO(), stderr=err)
    assert exc.value.returncode == 2
    return str(exc.value), err.getvalue()


def test_unreadable_and_non_utf8_files(tmp_path):
    message, _ = refused("score", str(tmp_path / "missing.csv"))
    assert message.startswith(f"无法读取文件 {tmp_path / 'missing.csv'}")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("X,ge.time,3\n北京，ge.cost,1\n".encode("gbk"))
    assert refused("score", str(gbk))[0] == f"文件 {gbk} 不是 UTF-8 编码。"


def test_byte_order_mark_and_comments_are_accepted(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffentity,indicator,value\n# a note\n\nSolo,ge.score,95.35\n".encode())
    out, _ = run("score", str(path))
    assert out.splitlines() == ["Solo", "  ge   95.3500  获得电力  （公布值）"]


def test_score_text_output(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(
        "entity,indicator,value,weight\n"
        "P/A,ge.score,90,0.5\nP/B,ge.score,80,0.5\n"
        "Part,cp.time,100\n"
        "Both,ge.procedures,3\nBoth,ge.time,18\nBoth,ge.cost,0\nBoth,ge.reliability_index,8\n"
        "Both,ge.score,99\n",
        encoding="utf-8",
    )
    lines = run("score", str(path))[0].splitlines()
    assert lines[lines.index("Both") + 1] == "  ge  100.0000  获得电力  （公布值 99.0000）"
    assert "      ge.time                100.0000" in lines
    assert lines[lines.index("Part") + 1] == "  无完整专题数据"  # one component is not a topic
    assert "P  （人口加权：P/A 0.5, P/B 0.5）" in lines
    assert lines[lines.index("P  （人口加权：P/A 0.5, P/B 0.5）") + 1] == "  ge   85.0000  获得电力"


def test_messages_in_english(tmp_path):
    message, _ = refused("--lang", "en", "score", str(tmp_path / "missing.csv"))
    assert "missing.csv" in message and "无法" not in message
    bad = tmp_path / "bad.csv"
    bad.write_text("X,nope,1\n", encoding="utf-8")
    message, err = refused("--lang", "en", "score", str(bad))
    assert "nope" in err and not any("\u4e00" <= ch <= "\u9fff" for ch in err + message)


def test_load_benchmarks_is_audited_as_the_command_line(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("Solo,ge.score,95.35\n", encoding="utf-8")
    out, _ = run("load-benchmarks", str(path), "--period", "2020", "--source", "DB2020")
    assert out.strip() == "已导入 1 条对标数据（期间 2020）。"
    value = BenchmarkValue.objects.get()
    assert (value.entity, value.value, value.source) == ("Solo", 95.35, "DB2020")
    entry = AuditEntry.objects.filter(object_type="monitoring.BenchmarkValue").get()
    assert entry.channel == "cli" and entry.action == "create"


def test_check_a_given_definition_file(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(GOOD, encoding="utf-8")
    assert run("check-definitions", str(good))[0].strip() == "指标定义有效：版本 t1, 1 个指标。"
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace('group = "gov"', 'group = "x"'), encoding="utf-8")
    message, err = refused("check-definitions", str(bad))
    assert message == "指标定义文件无效。"
    assert err.strip() == "指标 gov.on_time_rate：分组 'x' 无效"
    assert refused("check-definitions", str(tmp_path / "none.toml"))[0]


def test_an_invalid_definition_file_stops_scoring(tmp_path, settings):
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("weight = 1", "weight = -1"), encoding="utf-8")
    settings.MONITORING_INDICATORS_FILE = str(bad)
    csv = tmp_path / "b.csv"
    csv.write_text("Solo,ge.score,95\n", encoding="utf-8")
    message, err = refused("score", str(csv))
    assert message == "指标定义文件无效。" and "weight 不能为负" in err


@pytest.mark.parametrize(
    "args,message",
    [
        (["--kinds", "day,decade"], "参数无效：decade"),
        (["--from", "2026-10-13", "--to", "2026-10-12"], "参数无效：--to < --from"),
        (["--from", "2026-13-01"], "--from 日期格式应为 YYYY-MM-DD: 2026-13-01"),
        (["--to", "yesterday"], "--to 日期格式应为 YYYY-MM-DD: yesterday"),
    ],
)
def test_recompute_refuses_bad_arguments(mianyang, args, message):
    assert refused("recompute", *args)[0] == message
    assert not IndicatorValue.objects.exists()


def test_recompute_only_the_kinds_asked_for(dataset):
    out, _ = run("recompute", "--from", "2026-10-12", "--to", "2026-10-13", "--kinds", "day, month")
    assert out.startswith("2026-10-12 – 2026-10-13:")
    kinds = set(IndicatorValue.objects.values_list("period_kind", flat=True))
    assert kinds == {"day", "month"}


@pytest.mark.parametrize("lang,message", [("zh-hans", "月份格式应为 YYYY-MM。"),
                                          ("en", "The month must be in the format YYYY-MM.")])  # fmt: skip
def test_report_bad_month_message(mianyang, lang, message):
    assert refused("--lang", lang, "report", "--month", "2026-13")[0] == message


def test_xes_command_reports_the_count(dataset, tmp_path):
    out_file = tmp_path / "log.xes"
    out, _ = run("xes", "--out", str(out_file), "--from", "2026-10-12", "--to", "2026-10-12")
    assert out.strip() == f"已导出 1 个事件到 {out_file}"  # A3, submitted on D1: its submit event
    assert out_file.read_text(encoding="utf-8").count("<trace>") == 1
