"""`monitoring score` / `load-benchmarks` on good and bad CSV files."""

import json
import re
from importlib.resources import files

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from yingshang.monitoring.models import BenchmarkValue

DATA_FILE = str(files("yingshang.monitoring") / "data" / "db2020_china.csv")

COMPONENTS = """entity,indicator,value,weight
Demo/A,sb.procedures_men,4,0.6
Demo/A,sb.procedures_women,4,0.6
Demo/A,sb.time_men,8,0.6
Demo/A,sb.time_women,8,0.6
Demo/A,sb.cost_men,0.7,0.6
Demo/A,sb.cost_women,0.7,0.6
Demo/A,sb.min_capital,0,0.6
Demo/B,sb.procedures_men,18,0.4
Demo/B,sb.procedures_women,18,0.4
Demo/B,sb.time_men,100,0.4
Demo/B,sb.time_women,100,0.4
Demo/B,sb.cost_men,200,0.4
Demo/B,sb.cost_women,200,0.4
Demo/B,sb.min_capital,400,0.4
Solo,ge.procedures,3
Solo,ge.time,32
Solo,ge.cost,0
Solo,ge.reliability_index,7
"""


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("monitoring", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, text, name="b.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_score_shipped_file_gives_china_db2020(db):
    out, _ = run("score", DATA_FILE, "--json")
    result = json.loads(out)
    china = result["parents"]["China"]["topics"]
    assert china["sb"]["score"] == pytest.approx(94.0921, abs=5e-5)
    assert china["cp"]["score"] == pytest.approx(77.32515, abs=5e-5)
    assert china["ge"]["score"] == pytest.approx(95.35326, abs=5e-5)
    assert china["rp"]["score"] == pytest.approx(80.99377, abs=5e-5)
    assert result["parents"]["China"]["cities"] == {"China/Beijing": 0.45, "China/Shanghai": 0.55}


def test_score_components_text_and_weighted_parent(tmp_path, db):
    out, _ = run("score", write(tmp_path, COMPONENTS))
    assert "Demo/A  (weight 0.6)" in out
    assert re.search(r"sb\.procedures\s+82\.3529", out)
    assert re.search(r"ge\s+95\.3533", out)  # Solo: 3 procedures, 32 days, 0 cost, index 7
    result = json.loads(run("score", write(tmp_path, COMPONENTS), "--json")[0])
    a = result["entities"]["Demo/A"]["topics"]["sb"]["score"]
    b = result["entities"]["Demo/B"]["topics"]["sb"]["score"]
    assert b == 0.0
    assert result["parents"]["Demo"]["topics"]["sb"]["score"] == pytest.approx(0.6 * a)
    assert BenchmarkValue.objects.count() == 0  # scoring stores nothing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entity,indicator,value\nX,sb.speed,3\n", ["第 2 行：未知指标 'sb.speed'"]),
        ("entity,indicator,value\nX,sb.min_capital,abc\n", ["第 2 行：数值 'abc' 不是数字"]),
        ("X,cp.time,nan\n", ["第 1 行：数值 'nan' 不是数字"]),
        ("X,cp.time,-3\n", ["第 1 行：数值 -3 不能为负"]),
        ("X,cp.time\n", ["第 1 行：应为 entity,indicator,value[,weight] （3 或 4 列），实际 2 列"]),
        ("X,cp.time,3\nX,cp.time,4\n", ["第 2 行：X 的 cp.time 与第 1 行重复"]),
        ("X,cp.time,3,0.5\n", ["第 1 行：只有 上级/城市 形式的对标对象可以带权重"]),
        (
            "entity,indicator,value,weight\nC/S,cp.time,3,0.55\nC/B,cp.time,3,0.4\n",
            ["第 2, 3 行：C 下各城市的权重之和为 0.95，应为 1"],
        ),
        (
            "C/S,cp.time,3,0.5\nC/S,cp.cost,3,0.6\nC/B,cp.time,3,0.5\n",
            ["第 2 行：C/S 的权重 0.6 与第 1 行的 0.5 不一致"],
        ),
        ("C/S,cp.time,3,1\nC/B,cp.time,3\n", ["第 2 行：C/B 没有人口权重（weight 列）"]),
    ],
)
def test_bad_rows_refused_with_row_numbers(tmp_path, db, text, expected):
    with pytest.raises(CommandError) as exc:
        run("score", write(tmp_path, text))
    assert exc.value.returncode == 2
    assert "已拒绝" in str(exc.value)
    assert exc.value.__cause__.errors == expected


def test_all_errors_reported_at_once(tmp_path, db):
    text = "entity,indicator,value\nX,bad.key,1\nX,cp.time,x\nX,cp.cost,2\n"
    with pytest.raises(CommandError) as exc:
        run("load-benchmarks", write(tmp_path, text), "--period", "2020")
    assert [e.split("：")[0] for e in exc.value.__cause__.errors] == ["第 2 行", "第 3 行"]
    assert BenchmarkValue.objects.count() == 0  # the good row 4 is not stored either


def test_load_benchmarks_stores_rows_and_reload_replaces(tmp_path, db):
    out, _ = run("load-benchmarks", DATA_FILE, "--period", "2020", "--source", "World Bank DB2020")
    assert "8" in out
    assert BenchmarkValue.objects.filter(period="2020").count() == 8
    sh = BenchmarkValue.objects.get(entity="China/Shanghai", indicator="sb.score")
    assert sh.value == 93.28278 and sh.weight == 0.55 and sh.source == "World Bank DB2020"
    run("load-benchmarks", DATA_FILE, "--period", "2020")
    assert BenchmarkValue.objects.count() == 8


def test_failed_load_keeps_existing_data(tmp_path, db):
    run("load-benchmarks", DATA_FILE, "--period", "2020")
    bad = "entity,indicator,value,weight\nChina/Shanghai,sb.score,1,0.55\nChina/Beijing,sb.score,2,0.5\n"
    with pytest.raises(CommandError):
        run("load-benchmarks", write(tmp_path, bad), "--period", "2020")
    assert (
        BenchmarkValue.objects.get(entity="China/Shanghai", indicator="sb.score").value == 93.28278
    )


def test_check_definitions_command(tmp_path, db):
    out, _ = run("check-definitions")
    assert "47 个指标" in out  # with gov.supplement_phone_share
    bad = write(tmp_path, '[[indicator]]\nkey = "k1"\nfoo = 1\n', "bad.toml")
    with pytest.raises(CommandError) as exc:
        run("check-definitions", bad)
    assert exc.value.returncode == 2


def test_benchmarks_page_shows_figures(db, staff, login):
    run("load-benchmarks", DATA_FILE, "--period", "2020", "--source", "World Bank DB2020")
    client = login(staff["chuangkou"])
    response = client.get(reverse("monitoring:benchmarks"))
    html = response.content.decode()
    assert "China/Shanghai" in html and "China/Beijing" in html
    assert "93.28" in html and "95.08" in html  # city SB scores
    assert "94.09" in html and "77.33" in html and "80.99" in html  # China, weighted
    assert "World Bank DB2020" in html


def test_benchmarks_page_component_scores(tmp_path, db, staff, login):
    run("load-benchmarks", write(tmp_path, COMPONENTS), "--period", "2021")
    html = login(staff["chuangkou"]).get(reverse("monitoring:benchmarks") + "?period=2021")
    html = html.content.decode()
    assert "82.35" in html and "92.46" in html  # Demo/A procedures and time scores


def test_benchmarks_page_requires_staff(client, db):
    response = client.get(reverse("monitoring:benchmarks"))
    assert response.status_code == 302


def test_benchmark_scores_api_and_schema(db, staff, login):
    run("load-benchmarks", DATA_FILE, "--period", "2020")
    client = login(staff["chuangkou"])
    data = client.get("/api/monitoring/benchmark-scores/?period=2020").json()
    china = next(d for d in data if d["entity"] == "China")
    assert china["kind"] == "parent"
    sb = next(t for t in china["topics"] if t["topic"] == "sb")
    assert sb["score"] == pytest.approx(94.0921, abs=5e-5)
    values = client.get("/api/monitoring/benchmark-values/?entity=China/Beijing").json()
    assert values["count"] == 4
    schema = client.get("/api/schema/").content.decode()
    assert "/api/monitoring/benchmark-scores/" in schema
    assert client.post("/api/monitoring/benchmark-values/", {}).status_code == 405
