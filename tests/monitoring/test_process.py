"""Process analysis (流程分析) on a hand-made event log: directly-follows counts and median
durations worked out by hand, its filters (dates, item, department, division), the rework table
and the XES log's escaping and scope."""

import datetime
import io
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from tests.cases.factories import CaseEventFactory, CaseFactory
from tests.catalog.factories import ItemWithVersionFactory
from tests.core.factories import department
from yingshang.monitoring import process

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 10, 12, 9, 0, tzinfo=SH)
DAY = datetime.date(2026, 10, 12)


def h(hours):
    return T0 + datetime.timedelta(hours=hours)


def step(case, hours, action, to_state="accepted", actor="", role=""):
    CaseEventFactory(case=case, at=h(hours), action=action, to_state=to_state,
                     actor_name=actor, actor_role=role)  # fmt: skip


@pytest.fixture
def log(mianyang):
    """c1, c2: item X of the city's market bureau; c3: item Y of Jiangyou's; c4 a month earlier.

    c1  submit 0h → accept 1h → complete 3h                       (来回跑)
    c2  submit 0h → accept 3h → 补正 5h → resubmit 29h → 补正 30h → resubmit 31h
    c3  submit 0h → accept 2h → note 4h → note 4h
    """
    x = ItemWithVersionFactory(name="事项X", basic_code="X0001")
    y = ItemWithVersionFactory(name="事项Y", basic_code="Y0001",
                               department=department("510781", "market"))  # fmt: skip
    c1 = CaseFactory(number="P1", item=x, submitted_at=T0, multiple_trips=True)
    step(c1, 1, "accept", actor='王"甲"&乙', role="clerk")
    step(c1, 3, "complete", "completed")
    c2 = CaseFactory(number="P2", item=x, submitted_at=T0)
    step(c2, 3, "accept")
    step(c2, 5, "request_supplement", "supplement_requested")
    step(c2, 29, "resubmit")
    step(c2, 30, "request_supplement", "supplement_requested")
    step(c2, 31, "resubmit")
    c3 = CaseFactory(number="P3", item=y, submitted_at=T0)
    step(c3, 2, "accept")
    step(c3, 4, "note")
    step(c3, 4, "note")
    c4 = CaseFactory(number="P4", item=x, submitted_at=T0 - datetime.timedelta(days=30))
    CaseEventFactory(case=c4, at=c4.submitted_at + datetime.timedelta(hours=1), action="accept")
    return {"x": x, "y": y, "c1": c1, "c2": c2, "c3": c3}


def pairs(dfg):
    return {(r["from"], r["to"]): (r["count"], pytest.approx(r["median_hours"])) for r in dfg}


def test_directly_follows_counts_and_medians(log):
    got = pairs(process.directly_follows(start=DAY, end=DAY))
    assert got == {
        ("submit", "accept"): (3, 2.0),  # 1 h, 3 h, 2 h
        ("accept", "complete"): (1, 2.0),
        ("accept", "request_supplement"): (1, 2.0),
        ("request_supplement", "resubmit"): (2, 12.5),  # 24 h and 1 h
        ("resubmit", "request_supplement"): (1, 1.0),
        ("accept", "note"): (1, 2.0),
        ("note", "note"): (1, 0.0),
    }
    dfg = process.directly_follows(start=DAY, end=DAY)
    assert dfg[0]["from"] == "submit" and dfg[0]["count"] == 3  # most frequent first


def test_directly_follows_filters(log):
    x, y = log["x"], log["y"]
    assert pairs(process.directly_follows(start=DAY, end=DAY, item_id=y.pk)) == {
        ("submit", "accept"): (1, 2.0),
        ("accept", "note"): (1, 2.0),
        ("note", "note"): (1, 0.0),
    }
    city_market = department("510700", "market").pk
    got = pairs(process.directly_follows(start=DAY, end=DAY, department_id=city_market))
    assert got[("submit", "accept")] == (2, 2.0)  # 1 h and 3 h
    assert ("accept", "note") not in got
    jiangyou = department("510781", "market").division.path
    got = pairs(process.directly_follows(start=DAY, end=DAY, path=jiangyou))
    assert set(got) == {("submit", "accept"), ("accept", "note"), ("note", "note")}
    # without dates the older case counts too (accept 1 h after submission)
    got = pairs(process.directly_follows(item_id=x.pk))
    assert got[("submit", "accept")] == (3, 1.0)  # 1 h, 3 h, 1 h
    assert process.directly_follows(start=DAY + datetime.timedelta(days=1)) == []


def test_rework_per_item(log, staff):
    rows = {r["item__name"]: r for r in process.rework(staff["admin"], start=DAY, end=DAY)}
    x = rows["事项X"]
    got = tuple(
        x[k]
        for k in (
            "cases", "supplements", "supplement_cases", "repeated_supplements",
            "multiple_trips", "rework_cases",
        )
    )  # fmt: skip
    assert got == (2, 2, 1, 1, 1, 2)  # c2 has two 补正 (one case), c1 来回跑
    assert x["rework_rate"] == pytest.approx(100.0)  # 2 cases with rework / 2 cases
    y = rows["事项Y"]
    assert (y["cases"], y["supplements"], y["rework_cases"], y["rework_rate"]) == (1, 0, 0, 0.0)
    assert list(rows) == ["事项X", "事项Y"]  # most rework first
    assert len(process.rework(staff["admin"], start=DAY, end=DAY, limit=1)) == 1


def test_process_context_is_scoped_to_the_user(log, staff):
    admin = process.context(staff["admin"], DAY, DAY)
    assert ("note", "note") in pairs(admin["dfg"])
    links = {(link["source"], link["target"]) for link in admin["dfg_json"]["links"]}
    # the map names the steps in words, without self-loops
    assert ("备注", "备注") not in links and ("提交申请", "受理") in links
    assert ("要求补正", "补正提交") in links
    assert {r["from_label"] for r in admin["dfg"]} >= {"提交申请", "受理", "要求补正"}
    assert admin["dfg_json"]["nodes"] == sorted(admin["dfg_json"]["nodes"])
    # the Jiangyou handler: his department's cases only
    jy = process.context(staff["jiangyou_chengban"], DAY, DAY)
    assert pairs(jy["dfg"])[("submit", "accept")] == (1, 2.0)
    assert [r["item__name"] for r in jy["rework"]] == ["事项Y"]
    # the city market handler does not see Jiangyou's case
    city = process.context(staff["chengban"], DAY, DAY)
    assert ("accept", "note") not in pairs(city["dfg"])
    # a county supervisor with no case in his county
    fc = process.context(staff["fucheng_jiandu"], DAY, DAY)
    assert fc["dfg"] == [] and fc["rework"] == [] and fc["dfg_json"]["nodes"] == []


def test_xes_escapes_attributes_and_follows_the_scope(log, staff):
    buf = io.StringIO()
    n = process.write_xes(buf, start=DAY, end=DAY)
    assert n == 3 + 6 + 4  # c1, c2, c3 events (submit included)
    root = ET.fromstring(buf.getvalue())
    traces = root.findall("trace")
    assert [t.find("string[@key='concept:name']").get("value") for t in traces] == [
        "P1", "P2", "P3",
    ]  # fmt: skip
    accept = traces[0].findall("event")[1]
    assert accept.find("string[@key='org:resource']").get("value") == '王"甲"&乙'
    assert accept.find("string[@key='org:role']").get("value") == "clerk"
    assert (
        accept.find("date[@key='time:timestamp']").get("value") == "2026-10-12T02:00:00.000+00:00"
    )
    submit = traces[1].findall("event")[0]
    assert submit.find("string[@key='org:resource']").get("value") == "system"
    # scoped: the Jiangyou handler's log holds his case only
    buf = io.StringIO()
    assert process.write_xes(buf, user=staff["jiangyou_chengban"]) == 4
    assert [
        t.find("string").get("value") for t in ET.fromstring(buf.getvalue()).findall("trace")
    ] == ["P3"]


def test_xes_of_an_empty_selection_is_a_valid_empty_log(log):
    buf = io.StringIO()
    assert process.write_xes(buf, item="NOPE") == 0
    root = ET.fromstring(buf.getvalue())
    assert root.tag == "log" and root.findall("trace") == []


def test_process_page_offers_the_xes_download_to_supervisors_only(log, staff, client):
    client.force_login(staff["jianduyuan"])
    page = client.get("/staff/monitoring/process/", {"from": "2026-10-12", "to": "2026-10-12"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "yingshang monitoring xes" not in html and "--out" not in html  # no CLI instruction
    assert "/staff/monitoring/process/log.xes?from=2026-10-12&amp;to=2026-10-12" in html
    assert "提交申请" in html and "要求补正" in html  # steps in words
    assert "request_supplement" not in html.split('id="dfg-data"')[0]
    response = client.get("/staff/monitoring/process/log.xes", {"from": "2026-10-12", "to": "2026-10-12"})  # fmt: skip
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert 'filename="cases-20261012-20261012.xes"' in response["Content-Disposition"]
    root = ET.fromstring(b"".join(response.streaming_content))
    numbers = [t.find("string[@key='concept:name']").get("value") for t in root.findall("trace")]
    assert numbers == ["P1", "P2", "P3"]
    # a handler sees the page but neither the button nor the file
    client.force_login(staff["chengban"])
    html = client.get("/staff/monitoring/process/").content.decode()
    assert "log.xes" not in html
    assert client.get("/staff/monitoring/process/log.xes").status_code == 403
