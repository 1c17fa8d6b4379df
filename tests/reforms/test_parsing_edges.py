"""Parser edges on real-style text: every deadline phrase a programme uses (full-width digits,
quarters, halves, ranges, standing phrases and reporting cycles, impossible dates refused),
Chinese numerals, bracket groups, a 责任单位 value that names its own roles (牵头/配合, a bug
fixed here: the role word stayed in the lead unit's name), duplicate task numbers, documents
without tasks."""

import datetime

import pytest

from yingshang.reforms.parsing import (
    bracket_groups,
    cn_to_int,
    find_deadline,
    norm,
    parse_document,
    parse_note,
    split_units,
)

D = datetime.date


@pytest.mark.parametrize(
    "text,date,phrase",
    [
        ("2019年6月30日前完成", D(2019, 6, 30), "2019年6月30日前完成"),
        ("2019-06-30", D(2019, 6, 30), "2019-06-30"),
        ("２０１９年６月３０日前", D(2019, 6, 30), "２０１９年６月３０日前"),
        ("2020年上半年", D(2020, 6, 30), "2020年上半年"),
        ("2019年下半年末", D(2019, 12, 31), "2019年下半年末"),
        ("2019年第三季度", D(2019, 9, 30), "2019年第三季度"),
        ("2019年4季度末", D(2019, 12, 31), "2019年4季度末"),
        ("2020年3月底前", D(2020, 3, 31), "2020年3月底前"),
        ("2019年10月", D(2019, 10, 31), "2019年10月"),
        ("2019年底前", D(2019, 12, 31), "2019年底前"),
        ("2019年内", D(2019, 12, 31), "2019年内"),
        ("2020年前", D(2020, 12, 31), "2020年前"),
        ("到2025年", D(2025, 12, 31), "到2025年"),
        ("2021-2023年", D(2023, 12, 31), "2021-2023年"),
        # the programme's year fills in what the phrase leaves out
        ("9月30日前", D(2019, 9, 30), "9月30日前"),
        ("6月底完成", D(2019, 6, 30), "6月底完成"),
        ("6月份", D(2019, 6, 30), "6月份"),
        ("十二月前", D(2019, 12, 31), "十二月前"),
        ("上半年", D(2019, 6, 30), "上半年"),
        ("第二季度末", D(2019, 6, 30), "第二季度末"),
        ("第4季度", D(2019, 12, 31), "第4季度"),
        ("年底前", D(2019, 12, 31), "年底前"),
        ("全年", D(2019, 12, 31), "全年"),
    ],
)
def test_dated_phrases(text, date, phrase):
    d = find_deadline(text, 2019)
    assert (d.kind, d.date, d.text, d.found) == ("date", date, phrase, 1)


@pytest.mark.parametrize(
    "text",
    [
        "2023—2021年",  # a range that runs backwards
        "2019年2月30日前",  # no such day
        "2019年13月",  # no such month
        "明年底",  # relative to what?
        "3个月内",
        "2019年起实施",  # a start, not a deadline
        "6月起",
        "持续推进“一网通办”",  # the verb of the task, not a time phrase
    ],
)
def test_phrases_that_are_not_a_deadline(text):
    d = find_deadline(text, 2019)
    assert (d.kind, d.date, d.text) == ("none", None, "")


@pytest.mark.parametrize(
    "text,kind,phrase,cycle",
    [
        ("长期坚持。", "long_term", "长期坚持", ""),
        ("持续推进", "ongoing", "持续推进", ""),
        ("每季度报送进展", "ongoing", "每季度", "quarterly"),
        ("每半年调度一次,长期坚持", "long_term", "长期坚持", "half_yearly"),
        ("每年度", "ongoing", "每年度", "yearly"),
        ("按月报送", "ongoing", "按月", "monthly"),
    ],
)
def test_standing_tasks_and_their_reporting_cycle(text, kind, phrase, cycle):
    d = find_deadline(text, 2019)
    assert (d.kind, d.date, d.text, d.cycle) == (kind, None, phrase, cycle)


def test_several_dates_the_latest_is_the_deadline():
    d = find_deadline("2019年底前完成试点,2020年6月底前全面推广", 2019)
    assert (d.date, d.text, d.found) == (D(2020, 6, 30), "2020年6月底前", 2)
    same = find_deadline("2019年底前,年底前", 2019)
    assert same.found == 1  # two phrases, one date


@pytest.mark.parametrize(
    "text,value",
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十五", 25),
        ("一百零二", 102),
        ("两百", 200),
        ("百", 100),
        ("〇", 0),
        ("12", 12),
        ("x十", None),
        ("十a", None),
    ],
)
def test_chinese_numerals(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize(
    "text,groups",
    [
        ("市发改委(牵头)、市财政局(配合)", [(4, 8), (13, 17)]),
        ("(a)(b)", [(0, 3), (3, 6)]),
        ("【x】y〔z〕", [(0, 3), (4, 7)]),
        ("((a)", []),  # an opener never closed
        ("a(b[c)d)", [(1, 6)]),  # a mismatched closer drops back to its opener
        ("a)b", []),
    ],
)
def test_bracket_groups(text, groups):
    assert bracket_groups(norm(text)) == groups


def test_norm_keeps_the_length():
    assert norm("ＡＢ１２（）") == "AB12()"
    assert norm("市发改委") == "市发改委"
    assert len(norm("２０１９年６月")) == len("２０１９年６月")


@pytest.mark.parametrize(
    "note,leads,partners,deadline",
    [
        (
            "责任单位:市市场监管局牵头,市公安局、市税务局配合;2021年6月底前完成",
            ["市市场监管局"],
            ["市公安局", "市税务局"],
            "2021年6月底前完成",
        ),
        ("责任单位:市市场监管局牵头,市公安局配合", ["市市场监管局"], ["市公安局"], ""),
        (
            "责任单位:市发改委、市财政局牵头,市商务局按职责分工负责;时限:2021年底前",
            ["市发改委", "市财政局"],
            ["市商务局"],
            "2021年底前",
        ),
        ("责任部门:市税务局主办,市财政局配合", ["市税务局"], ["市财政局"], ""),
    ],
)
def test_a_responsibility_value_that_names_its_roles(note, leads, partners, deadline):
    n = parse_note(note)
    assert (n.leads, n.partners, n.deadline_text) == (leads, partners, deadline)
    assert not n.lead_inferred


def test_a_plain_responsibility_list_still_infers_the_first_as_lead():
    n = parse_note("责任单位:市发改委,市财政局")
    assert (n.leads, n.partners, n.lead_inferred) == (["市发改委"], ["市财政局"], True)
    one = parse_note("责任单位:牵头单位变更工作组")  # 牵头 inside a name is not a role
    assert (one.leads, one.partners, one.lead_inferred) == (["牵头单位变更工作组"], [], False)


def test_split_units_on_every_separator():
    assert split_units("市发改委,市财政局;市税务局") == ["市发改委", "市财政局", "市税务局"]
    assert split_units("市发改委(牵头)、市财政局") == ["市发改委(牵头)", "市财政局"]


DOC = """绵阳市优化营商环境攻坚方案
绵府办发〔2021〕3号

一、重点任务
(一)提升开办企业便利度
1.压缩企业开办时间至1个工作日以内。(责任单位:市市场监管局牵头,市公安局、市税务局配合;2021年6月底前完成)
2.推行电子营业执照全程应用。(责任单位:市市场监管局;长期坚持)
(二)优化不动产登记
1.实现不动产登记“一窗受理”。(责任单位:市自然资源和规划局;2021年第三季度)
1.重复编号的任务。(责任单位:市住建局;年底前)
"""


def test_a_document_in_the_responsibility_style():
    r = parse_document(DOC)
    assert (r.year, r.title, r.doc_number) == (
        2021,
        "绵阳市优化营商环境攻坚方案",
        "绵府办发〔2021〕3号",
    )
    tasks = r.tasks
    assert [t.number for t in tasks] == ["1.1", "1.2", "2.1", "2.1"]
    first = tasks[0]
    assert first.measure == "提升开办企业便利度"
    assert first.lead_units == ["市市场监管局"]
    assert first.partner_units == ["市公安局", "市税务局"]
    assert first.deadline == D(2021, 6, 30)
    assert (tasks[1].deadline, tasks[1].deadline_kind) == (None, "long_term")
    assert tasks[2].deadline == D(2021, 9, 30)
    assert tasks[3].deadline == D(2021, 12, 31)  # 年底前 of the document's year
    assert r.unit_names == [
        "市市场监管局",
        "市公安局",
        "市税务局",
        "市自然资源和规划局",
        "市住建局",
    ]
    # the second 2.1 is refused with both lines named
    assert [(e.line, e.field) for e in r.errors] == [(10, "number")]
    assert "2.1" in str(r.errors[0]) and "第9行" in str(r.errors[0])


@pytest.mark.parametrize(
    "text,year",
    [
        ("没有任何任务的文本。", None),
        ("2020年工作要点\n一、任务\n1.建设政务服务平台。", 2020),
    ],
)
def test_a_document_without_responsibility_notes_has_no_tasks(text, year):
    r = parse_document(text)
    assert r.tasks == []
    assert len(r.errors) == 1 and "牵头单位" in str(r.errors[0])
    if year is not None:
        assert r.year == year
