"""The parser on several house styles of real programme documents and task spreadsheets."""

import datetime
import io

import pytest

from yingshang.reforms.parsing import (
    find_deadline,
    parse_document,
    parse_file,
    parse_note,
    split_leader,
    split_units,
)

from .conftest import FIXTURES

D = datetime.date


def by_number(result):
    return {t.number: t for t in result.tasks}


def test_style_a_semicolon_notes_numbering_restarts_per_measure():
    r = parse_file(FIXTURES / "style_a_fangan.txt")
    assert r.errors == []
    assert r.year == 2019 and r.doc_number == "绵府办发〔2019〕1号"
    assert r.title == "绵阳市进一步优化营商环境工作方案"
    t = by_number(r)
    assert list(t) == ["2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]  # 总体要求/保障措施 skipped
    assert t["2.1"].measure == "持续深化“放管服”改革"
    assert t["2.1"].lead_units == ["市市场监管局"]
    assert t["2.1"].partner_units == ["市公安局", "市税务局", "人行绵阳中支"]
    assert t["2.1"].deadline == D(2019, 6, 30)
    assert t["2.2"].lead_units == ["市住建局", "市自然资源和规划局"]
    # units separated by 、 , ; in one note
    assert t["2.2"].partner_units == ["市发改委", "市生态环境局", "市政务服务监督管理局"]
    # a continuation line carries the deadline
    assert t["2.3"].deadline == D(2019, 9, 30)
    assert t["3.1"].deadline == D(2020, 3, 31) and t["3.1"].deadline_text == "2020年3月底前实现"
    # a separate (完成时限:…) bracket; nested brackets in 各县（市、区）
    assert t["3.2"].deadline == D(2019, 12, 31)
    assert t["3.2"].partner_units == ["各县（市、区）人民政府"]
    assert "完成时限" not in t["3.2"].content and "牵头单位" not in t["3.2"].content
    assert t["3.3"].deadline is None and t["3.3"].deadline_kind == "long_term"


def test_style_b_hexagonal_brackets_subitems_and_continuous_numbers():
    r = parse_file(FIXTURES / "style_b_qingdan.txt", year=2019)
    assert r.errors == []
    t = by_number(r)
    assert list(t) == ["1", "2", "3", "4", "5"]
    assert t["1"].lead_units == ["市发展改革委"]
    assert t["1"].partner_units == ["市商务局", "市市场监督管理局", "市司法局"]
    assert (t["1"].deadline, t["1"].deadline_text) == (D(2019, 6, 30), "6月底完成")
    # sub-items (1)(2) on their own lines belong to task 2; note after them
    assert "(1)全面落实小微企业" in t["2"].content and "(2)规范涉企收费" in t["2"].content
    assert t["2"].lead_units == ["市税务局", "市财政局"]
    assert t["2"].deadline is None and t["2"].cycle == "quarterly"
    # half-width colon and commas
    assert t["3"].partner_units == ["市公安局", "市中级人民法院"]
    assert t["3"].deadline == D(2019, 12, 31) and t["3"].deadline_text == "年内建成"
    assert t["4"].measure == "打造高效便捷的政务环境"
    assert "高层次人才服务卡" in t["4"].content and t["4"].deadline == D(2019, 10, 31)
    assert t["5"].deadline_kind == "ongoing"


def test_style_c_lead_clause_notes_and_unreadable_paragraph():
    r = parse_file(FIXTURES / "style_c_fenGong.txt", year=2019)
    t = by_number(r)
    assert t["1.1"].lead_units == ["市发展改革委", "市经济和信息化局"]
    assert t["1.1"].partner_units == ["国网绵阳供电公司", "各县（市、区）人民政府"]
    assert t["1.2"].partner_units == ["市发展改革委", "市市场监管局"]
    assert t["1.2"].deadline == D(2019, 6, 30)
    assert t["2.1"].lead_units == ["市金融工作局"] and t["2.1"].partner_units == []
    assert t["2.1"].deadline == D(2020, 6, 30)
    assert t["2.2"].lead_units == ["人民银行绵阳市分行"]
    assert t["2.2"].partner_units == ["市金融工作局", "市财政局"]
    assert r.errors == []


def test_style_d_short_notes_deadline_in_note():
    r = parse_file(FIXTURES / "style_d_short.txt", year=2019)
    t = by_number(r)
    assert t["1.1"].content == "研究制定提升市县两级政府决策和运行效率的措施"
    assert t["1.1"].deadline == D(2019, 6, 30)
    assert t["1.2"].partner_units == ["市纪委（监委）"]
    assert t["2.1"].deadline is None and t["2.1"].deadline_kind == "none"
    assert t["2.2"].lead_units == ["市纪委监委"]
    # “2019年3月起每月” is a start and a cycle, not a deadline
    assert t["2.3"].deadline is None and t["2.3"].cycle == "monthly"


def test_missing_note_is_reported_with_line_number():
    text = "一、措施\n（一）第一项。（市发改委牵头负责）\n（二）第二项没有责任单位。\n"
    r = parse_document(text, year=2019)
    assert [t.number for t in r.tasks] == ["1"]
    assert len(r.errors) == 1 and r.errors[0].line == 3
    assert "第3行" in str(r.errors[0]) and "牵头单位" in str(r.errors[0])


def test_duplicate_numbers_in_one_measure():
    text = "一、措施\n1.甲。（市发改委牵头）\n1.乙。（市财政局牵头）\n"
    r = parse_document(text, year=2019)
    assert any("重复" in str(e) and e.line == 3 for e in r.errors)


@pytest.mark.parametrize(
    "text,date,kind",
    [
        ("6月底完成", D(2019, 6, 30), "date"),
        ("2019年底前", D(2019, 12, 31), "date"),
        ("2020年3月底前", D(2020, 3, 31), "date"),
        ("年内", D(2019, 12, 31), "date"),
        ("9月30日前", D(2019, 9, 30), "date"),
        ("2019年第三季度", D(2019, 9, 30), "date"),
        ("2019-11-15", D(2019, 11, 15), "date"),
        ("六月底前", D(2019, 6, 30), "date"),
        ("2019年6月底前完成试点,2020年底前全面推开", D(2020, 12, 31), "date"),
        ("长期坚持", None, "long_term"),
        ("持续推进", None, "ongoing"),
        ("每季度", None, "ongoing"),
        ("3个月内", None, "none"),
        ("三年内", None, "none"),
        ("明年底前", None, "none"),
    ],
)
def test_deadline_phrases(text, date, kind):
    d = find_deadline(text, 2019)
    assert (d.date, d.kind) == (date, kind)


def test_units_split_on_all_separators_but_not_inside_brackets():
    assert split_units("市发改委、市财政局，市商务局;市税务局；市公安局/市司法局\n市民政局") == [
        "市发改委",
        "市财政局",
        "市商务局",
        "市税务局",
        "市公安局",
        "市司法局",
        "市民政局",
    ]
    assert split_units("各县（市、区）人民政府、市级有关部门等") == [
        "各县（市、区）人民政府",
        "市级有关部门",
    ]


def test_note_styles():
    n = parse_note("牵头单位：市发改委、市财政局；责任单位：市商务局")
    assert (n.leads, n.partners) == (["市发改委", "市财政局"], ["市商务局"])
    n = parse_note("牵头单位:市发改委,责任单位:市商务局")
    assert (n.leads, n.partners) == (["市发改委"], ["市商务局"])
    n = parse_note("市发改委、市财政局牵头，市商务局按职责分工负责")
    assert (n.leads, n.partners) == (["市发改委", "市财政局"], ["市商务局"])
    n = parse_note("市发改委牵头负责")
    assert (n.leads, n.partners) == (["市发改委"], [])
    n = parse_note("责任单位：市发改委、市财政局")  # first listed leads
    assert (n.leads, n.partners) == (["市发改委"], ["市财政局"])
    assert parse_note("试行") is None
    assert parse_note("以下简称“方案”") is None


def test_leader_forms():
    assert split_leader("王某某\n副市长") == ("王某某", "副市长")
    assert split_leader("王某某（常务副市长）") == ("王某某", "常务副市长")
    assert split_leader("副市长 王某某") == ("王某某", "副市长")


def _xlsx():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["绵阳进一步优化营商环境工作任务清单"])
    ws.merge_cells("A1:G1")
    ws.append(
        ["序号", "政策措施", "任务内容", "牵头领导", "牵头\n单位", "参与/配合单位", "完成时限"]
    )
    ws.append(
        [
            1,
            "一、深化放管服改革",
            "压缩企业开办时间\n至3个工作日",
            "刘某某\n常务副市长",
            "市市场监管局",
            "市公安局、市税务局\n人行绵阳中支",
            "6月底前",
        ]
    )
    ws.append(
        [
            2,
            None,
            "推行证照分离改革",
            None,
            "市市场监督管理局",
            "市政务服务监督管理局，市司法局",
            datetime.datetime(2019, 10, 31),
        ]
    )
    ws.append(
        [
            3,
            "二、提升政务服务",
            "市信息共享平台与部门业务系统对接，构建全市统一的数据库",
            "陈某某（副市长）",
            "市政务服务监督管理局",
            "市大数据中心/市经济和信息化局",
            "持续推进",
        ]
    )
    ws.merge_cells("B3:B4")
    ws.merge_cells("D3:D4")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_spreadsheet_with_merged_and_multiline_cells():
    r = parse_file("清单.xlsx", _xlsx(), year=2019)
    assert r.errors == []
    t = by_number(r)
    assert list(t) == ["1", "2", "3"]
    assert t["1"].content == "压缩企业开办时间至3个工作日"
    assert t["1"].partner_units == ["市公安局", "市税务局", "人行绵阳中支"]
    assert (t["1"].leader_name, t["1"].leader_title) == ("刘某某", "常务副市长")
    # merged measure and leader cells apply to row 2
    assert t["2"].measure == "深化放管服改革" and t["2"].measure_number == 1
    assert t["2"].leader_name == "刘某某"
    assert t["2"].deadline == D(2019, 10, 31)
    assert t["2"].partner_units == ["市政务服务监督管理局", "市司法局"]
    assert t["3"].measure_number == 2 and t["3"].deadline_kind == "ongoing"
    assert t["3"].partner_units == ["市大数据中心", "市经济和信息化局"]
    assert (t["3"].leader_name, t["3"].leader_title) == ("陈某某", "副市长")


def test_csv_blank_measure_forward_filled_and_bad_rows_reported():
    csv_text = (
        "序号,政策措施,任务内容,牵头单位,配合单位,完成时限\n"
        "1,优化营商环境,任务甲,市发改委,市财政局;市商务局,2019年底前\n"
        "2,,任务乙,市财政局,,下个月吧\n"
        "2,,任务丙,,,\n"
        "3,,,市财政局,,\n"
        "1,,任务丁,市商务局,,年内\n"
    )
    r = parse_file("list.csv", csv_text.encode("gb18030"), year=2019)
    assert r.tasks[0].measure == "优化营商环境" and r.tasks[0].partner_units == [
        "市财政局",
        "市商务局",
    ]
    lines = {(e.line, e.field) for e in r.errors}
    assert (3, "deadline") in lines  # 下个月吧
    assert (4, "lead_units") in lines
    assert (5, "content") in lines
    assert (6, "number") in lines  # duplicate 1
    assert r.tasks[-1].measure == "优化营商环境"


def test_docx_paragraphs_and_tables():
    import zipfile

    def para(text):
        return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'

    body = "".join(
        para(x)
        for x in [
            "绵府办发〔2019〕1号",
            "一、持续深化放管服改革",
            "（一）压缩企业开办时间，6月底前完成。（牵头单位：市市场监管局；责任单位：市税务局）",
        ]
    )
    xml = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", xml)
    r = parse_file("方案.docx", buf.getvalue())
    assert r.year == 2019
    assert [(t.number, t.lead_units, t.deadline) for t in r.tasks] == [
        ("1", ["市市场监管局"], D(2019, 6, 30))
    ]
    bad = parse_file("x.docx", b"not a zip")
    assert bad.errors and "docx" in str(bad.errors[0])


def test_demo_programme_text_has_seed_figures():
    from collections import Counter

    from yingshang.demo.reforms import programme_text

    r = parse_document(programme_text(D(2019, 1, 10)), year=2019)
    assert r.errors == []
    assert len(r.tasks) == 102
    assert len({t.measure_number for t in r.tasks}) == 35
    leads = Counter(t.lead_units[0] for t in r.tasks)
    assert len(leads) == 25 and leads["市政务服务监督管理局"] == 21
    contents = {t.content for t in r.tasks}
    assert "研究制定提升市县两级政府决策和运行效率的措施。" in contents
    bureau = {t.content for t in r.tasks if t.lead_units[0] == "市政务服务监督管理局"}
    for phrase in (
        "研究制定提升市县两级政府决策和运行效率的措施",
        "新建或改造提升市、县、乡三级政务服务实体大厅",
        "制定《绵阳市高层次人才服务卡管理办法》",
        "市信息共享平台与部门业务系统对接,构建全市统一的数据库",
    ):
        assert any(phrase in c for c in bureau), phrase
    assert all(t.leader_name for t in r.tasks)


def test_style_e_heading_notes_and_space_separated_keys():
    r = parse_file(FIXTURES / "style_e_inherited.txt", year=2019)
    assert r.errors == []
    t = by_number(r)
    assert list(t) == ["1", "2", "3"]
    # a heading-level note whose numbered items have none: the items are its sub-items
    assert t["2"].lead_units == ["市税务局"]
    assert t["2"].partner_units == ["市财政局", "市人力资源和社会保障局"]
    assert "1.推广电子税务局" in t["2"].content and "2.压缩纳税时间" in t["2"].content
    assert t["2"].deadline == D(2019, 12, 31)  # latest of 年底前 and 2019年9月底前
    # 〔牵头单位:A  责任单位:B〕 separated by spaces only; inline (1)(2) sub-items
    assert t["3"].lead_units == ["市自然资源和规划局"]
    assert t["3"].partner_units == ["市税务局", "市住房和城乡建设局"]
    assert "（1）推行“互联网+不动产登记”" in t["3"].content
    assert t["3"].deadline is None  # “5个工作日内” is a time limit, not a deadline


def test_tasks_inherit_their_headings_note():
    text = (
        "一、优化税收服务\n"
        "（一）推行电子税务局（市税务局牵头，市财政局配合）\n"
        "1.网上办税率达到90%,年底前完成。\n"
        "2.压缩纳税时间,9月底前完成。\n"
        "（二）优化登记服务\n"
        "1.不动产登记5日办结,6月底前完成。（牵头单位：市自然资源和规划局）\n"
        "2.企业开办3日办结,6月底前完成。（牵头单位：市市场监督管理局）\n"
        "3.社保登记网上办理,6月底前完成。（牵头单位：市人力资源和社会保障局）\n"
    )
    r = parse_document(text, year=2019)
    assert r.errors == []
    t = by_number(r)
    assert list(t) == ["1.1", "1.2", "2.1", "2.2", "2.3"]
    assert t["1.1"].measure == "推行电子税务局"
    assert (t["1.2"].lead_units, t["1.2"].partner_units) == (["市税务局"], ["市财政局"])
    assert t["1.2"].deadline == D(2019, 9, 30)
    assert t["2.3"].lead_units == ["市人力资源和社会保障局"]
