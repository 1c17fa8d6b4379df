"""The reform document parser's building blocks (reforms/parsing.py), one by one: width
normalisation and Chinese numerals (properties), deadlines of every kind, bracket groups, unit
lists, notes, leaders, table headers, cells, and the file dispatch for bad input."""

import datetime
import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from yingshang.reforms import parsing as p

# ---------------------------------------------------------------------------- normalisation

FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000\u00a0﹙﹚"


@given(st.text(alphabet=st.sampled_from(list(FULL) + list("营商环境abc123,。 ")), max_size=40))
def test_norm_keeps_length_and_is_idempotent(text):
    n = p.norm(text)
    assert len(n) == len(text)
    assert p.norm(n) == n
    assert all(ord(ch) < 0xFF01 or ord(ch) > 0xFF5E for ch in n)


def test_norm_maps_full_width_forms():
    assert p.norm("(市发改委)：2025年1２月") == "(市发改委):2025年12月"
    assert p.norm("A\u3000B\u00a0C﹙D﹚") == "A B C(D)"


_UNITS = "零一二三四五六七八九"


def _cn(n: int) -> str:
    """1…999 as written in documents (十二, 二十五, 一百零二)."""
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _UNITS[hundreds] + "百"
        if tens == 0 and ones:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else _UNITS[tens]) + "十"
    if ones:
        out += _UNITS[ones]
    return out


@given(st.integers(1, 999))
def test_chinese_numerals_read_back(n):
    assert p.cn_to_int(_cn(n)) == n
    assert p.cn_to_int(str(n)) == n


@pytest.mark.parametrize("text, value", [("两", 2), ("〇", 0), ("十", 10), ("一百", 100)])
def test_chinese_numeral_forms(text, value):
    assert p.cn_to_int(text) == value


@pytest.mark.parametrize("text", ["第一", "三个", "abc", "十万"])
def test_not_a_numeral(text):
    assert p.cn_to_int(text) is None


# ---------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    "text, date",
    [
        ("2019年2月30日前完成", None),  # no such day: not a deadline
        ("2019年13月底前", None),
        ("2021-2019年", None),  # a range backwards
        ("2019年第二季度末", datetime.date(2019, 6, 30)),
        ("2019年下半年", datetime.date(2019, 12, 31)),
        ("2019/3/5", datetime.date(2019, 3, 5)),
        ("到2025年", datetime.date(2025, 12, 31)),
        ("2021—2023年", datetime.date(2023, 12, 31)),
        ("十二月底前", datetime.date(2020, 12, 31)),
        ("9月30日前", datetime.date(2020, 9, 30)),
        ("第三季度", datetime.date(2020, 9, 30)),
        ("上半年", datetime.date(2020, 6, 30)),
        ("年底前完成", datetime.date(2020, 12, 31)),
        ("２０１９年６月底前", datetime.date(2019, 6, 30)),  # full-width digits
    ],
)
def test_deadline_kinds_and_impossible_dates(text, date):
    deadline = p.find_deadline(text, 2020)
    assert deadline.date == date
    assert deadline.kind == ("date" if date else "none")


def test_the_latest_of_several_dates_is_the_deadline_and_the_phrase_is_original():
    d = p.find_deadline("２０１９年底前试点,2020年6月底前全面推开", 2019)
    assert d.date == datetime.date(2020, 6, 30)
    assert d.text == "2020年6月底前"
    assert d.found == 2


def test_overlapping_phrases_are_counted_once():
    d = p.find_deadline("2019年6月30日前完成", 2019)
    assert d.found == 1 and d.text == "2019年6月30日前完成"


@pytest.mark.parametrize(
    "text, kind, cycle, phrase",
    [
        ("清理规范中介服务,长期坚持。", "long_term", "", "长期坚持"),
        ("持续推进", "ongoing", "", "持续推进"),
        ("每季度通报进展", "ongoing", "quarterly", "每季度"),
        ("按月调度,持续开展", "ongoing", "monthly", "持续开展"),
        ("每半年评估一次", "ongoing", "half_yearly", "每半年"),
        ("持续推进“一网通办”改革", "none", "", ""),  # the verb of the task, not a time
        ("优化营商环境", "none", "", ""),
    ],
)
def test_standing_tasks_and_cycles(text, kind, cycle, phrase):
    d = p.find_deadline(text, 2020)
    assert (d.kind, d.cycle, d.text, d.date) == (kind, cycle, phrase, None)


def test_a_dated_task_keeps_its_reporting_cycle():
    d = p.find_deadline("每月报送进展,2020年底前完成", 2020)
    assert (d.kind, d.date, d.cycle) == ("date", datetime.date(2020, 12, 31), "monthly")


# ---------------------------------------------------------------------------- brackets, units


def _balanced(draw_depth=3):
    leaf = st.text(alphabet="营商ab,、", max_size=3)
    return st.recursive(
        leaf,
        lambda inner: st.builds(
            lambda o, body, tail: o + body + p._OPEN[o] + tail,
            st.sampled_from(list(p._OPEN)),
            inner,
            leaf,
        ),
        max_leaves=6,
    )


@given(st.lists(_balanced(), max_size=4))
def test_bracket_groups_are_balanced_and_disjoint(parts):
    text = "".join(parts)
    groups = p.bracket_groups(text)
    for s, e in groups:
        assert text[s] in p._OPEN and text[e - 1] == p._OPEN[text[s]]
        assert p.bracket_groups(text[s + 1 : e - 1]) is not None
    for (_s1, e1), (s2, _e2) in zip(groups, groups[1:], strict=False):
        assert e1 <= s2


def test_bracket_groups_with_mismatched_and_unbalanced_brackets():
    assert p.bracket_groups("a(b〕c)") == []  # a closer of another kind abandons the group
    assert p.bracket_groups("(a【b)c") == [(0, 5)]  # an unclosed opener inside is dropped
    assert p.bracket_groups("((a)") == []  # the outer one never closes
    assert p.bracket_groups("a)b") == []


@pytest.mark.parametrize(
    "text, units",
    [
        ("市发改委、市财政局", ["市发改委", "市财政局"]),
        ("市发改委;市财政局/市税务局", ["市发改委", "市财政局", "市税务局"]),
        ("市发改委及市财政局", ["市发改委", "市财政局"]),
        ("市发改委和各县（市、区）人民政府", ["市发改委", "各县（市、区）人民政府"]),
        ("各州、市人民政府", ["各州、市人民政府"]),
        ("市税务局等有关部门", ["市税务局等有关部门"]),
        ("市税务局等", ["市税务局"]),
        ("市财政局配合", ["市财政局"]),
        ("市发改委、市发改委", ["市发改委"]),
        ("市发改委。", ["市发改委"]),
        ("", []),
        (None, []),
    ],
)
def test_split_units(text, units):
    assert p.split_units(text) == units


@pytest.mark.parametrize(
    "text, is_unit",
    [
        ("市发改委", True),
        ("各县（市、区）人民政府", True),
        ("绵阳高新区管委会", True),
        ("市税务局等有关部门", True),
        ("2020年底前", False),
        ("持续推进改革", False),
        ("5个工作日", False),
    ],
)
def test_is_unit_name(text, is_unit):
    assert p.is_unit_name(text) is is_unit


# ---------------------------------------------------------------------------- notes


def test_keyed_note_with_lead_partners_deadline_and_leader():
    note = p.parse_note(
        "牵头单位:市发改委;配合单位:市财政局、市税务局;完成时限:2020年底;牵头领导:王某"
    )
    assert note.leads == ["市发改委"]
    assert note.partners == ["市财政局", "市税务局"]
    assert note.deadline_text == "2020年底"
    assert note.leader == "王某"
    assert not note.lead_inferred and not note.overall


def test_responsible_units_alone_infer_the_first_as_lead():
    note = p.parse_note("责任单位:市发改委、市财政局")
    assert (note.leads, note.partners, note.lead_inferred) == (["市发改委"], ["市财政局"], True)
    single = p.parse_note("责任单位:市发改委")
    assert (single.leads, single.partners, single.lead_inferred) == (["市发改委"], [], False)


def test_responsible_units_with_partner_roles_inside_the_value():
    note = p.parse_note("责任单位:市发改委,市财政局按职责分工负责")
    assert note.leads == ["市发改委"] and note.partners == ["市财政局"]
    assert not note.lead_inferred


def test_a_deadline_inside_a_unit_list_is_the_deadline():
    note = p.parse_note("牵头单位:市发改委、6月底完成")
    assert note.leads == ["市发改委"] and note.deadline_text == "6月底完成"


def test_overall_lead_is_flagged():
    assert p.parse_note("总牵头单位:市政府办").overall


def test_remarks_after_the_note_are_kept_apart():
    note = p.parse_note("市发改委牵头,市财政局配合。以下均需各县市区落实")
    assert note.leads == ["市发改委"] and note.partners == ["市财政局"]
    assert note.remark == "以下均需各县市区落实"
    comma = p.parse_note("市发改委牵头,以下不再列出")
    assert comma.remark == "以下不再列出" and comma.leads == ["市发改委"]


def test_clause_notes():
    note = p.parse_note("市发改委牵头,市财政局按职责分工负责,2020年底前完成")
    assert note.leads == ["市发改委"] and note.partners == ["市财政局"]
    assert note.deadline_text == "2020年底前完成"
    both = p.parse_note("市发改委、市财政局按职责分工负责")
    assert both.leads == ["市发改委", "市财政局"] and both.partners == []
    pending = p.parse_note("市发改委,市财政局配合")
    assert pending.leads == ["市发改委"] and pending.partners == ["市财政局"]


@pytest.mark.parametrize(
    "text, bare",
    [
        ("见《优化营商环境条例》", True),  # a book title
        ("市发改委、市财政局", False),  # bare units mid-paragraph: an aside
        ("", True),
        ("市发改委牵头,这里有一句话说不清", False),  # an unreadable clause
        ("牵头单位:", False),
    ],
)
def test_not_a_note(text, bare):
    assert p.parse_note(text, bare=bare) is None


def test_bare_units_are_a_note_at_the_end_of_a_paragraph_or_by_convention():
    note = p.parse_note("市发改委、市财政局", bare=True)
    assert note.leads == ["市发改委"] and note.partners == ["市财政局"] and note.lead_inferred
    stated = p.parse_note("市发改委、市财政局,排在第一位的为牵头单位")
    assert stated.convention and stated.leads == ["市发改委"]
    # the document, not the note, clears the flag once it has seen the convention
    assert stated.lead_inferred


# ---------------------------------------------------------------------------- leaders, headers


@pytest.mark.parametrize(
    "text, result",
    [
        ("王某某\n副市长", ("王某某", "副市长")),
        ("王某某(常务副市长)", ("王某某", "常务副市长")),
        ("副市长 王某某", ("王某某", "副市长")),
        ("市长王某", ("王某", "市长")),
        ("副市长", ("", "副市长")),
        ("王某", ("王某", "")),
        ("", ("", "")),
        (None, ("", "")),
    ],
)
def test_split_leader(text, result):
    assert p.split_leader(text) == result


@pytest.mark.parametrize(
    "row, expected",
    [
        (["序号", "任务内容", "牵头单位", "配合单位"], {"number": 0, "content": 1, "lead": 2}),
        (["序号", "工作任务", "责任单位"], {"content": 1, "lead": 2}),  # 责任单位 leads
        (["任务", "牵头单位", "责任单位"], {"content": 0, "lead": 1, "partner": 2}),
        (["备注", "说明"], {}),
    ],
)
def test_header_map(row, expected):
    cols = p._header_map(row)
    assert {k: v for k, v in cols.items() if k in expected} == expected
    assert len(set(cols.values())) == len(cols)  # one column per key


@pytest.mark.parametrize(
    "value, text",
    [
        (None, ""),
        (datetime.datetime(2020, 6, 30, 0, 0), "2020年6月30日"),
        (datetime.date(2020, 1, 2), "2020年1月2日"),
        (3.0, "3"),
        (3.5, "3.5"),
        ("  市发改委 ", "市发改委"),
    ],
)
def test_cell_text(value, text):
    assert p._cell_text(value) == text


@pytest.mark.parametrize(
    "text, result",
    [
        ("一、深化放管服改革", (1, "深化放管服改革")),
        ("(十二)优化审批", (12, "优化审批")),
        ("3.优化审批", (3, "优化审批")),
        ("优化审批", (None, "优化审批")),
        ("2.5亿元", (None, "2.5亿元")),
    ],
)
def test_split_measure(text, result):
    assert p._split_measure(text) == result


@pytest.mark.parametrize(
    "text, year",
    [
        ("绵府办发〔2019〕12号\n关于……", 2019),
        ("2021年绵阳市优化营商环境工作要点", 2021),
        ("优化营商环境工作要点", None),
    ],
)
def test_detect_year(text, year):
    assert p._detect_year(text) == year


# ---------------------------------------------------------------------------- rows and files


def test_rows_without_a_header_are_one_error():
    result = p.parse_rows([(1, ["a", "b"]), (2, ["c", "d"])])
    assert result.tasks == []
    assert [(e.line, e.field) for e in result.errors] == [(0, "file")]
    assert "任务内容" in str(result.errors[0])


def test_row_errors_name_their_line_and_field():
    rows = [
        (1, ["序号", "任务内容", "牵头单位", "完成时限"]),
        (2, ["1", "", "", "2020年底"]),
        (3, ["2", "无牵头的任务", "、", "2020年底"]),
        (4, ["", "无序号的任务", "市发改委", "2020年底"]),
        (5, ["4", "时限不明的任务", "市发改委", "尽快"]),
        (6, ["5", "好任务", "市发改委", "2020年底"]),
        (7, ["5", "重号任务", "市财政局", "2020年底"]),
    ]
    result = p.parse_rows(rows, 2020)
    assert [(e.line, e.field) for e in result.errors] == [
        (2, "content"),
        (3, "lead_units"),
        (4, "number"),
        (5, "deadline"),
        (7, "number"),
    ]
    assert str(result.errors[0]).startswith("第2行：")
    assert [t.number for t in result.tasks] == ["5", "5"]


def test_rows_number_themselves_without_a_number_column_and_carry_measure_and_leader():
    rows = [
        (1, ["2020年工作要点"]),
        (2, ["政策措施", "任务内容", "牵头单位", "配合单位", "牵头领导"]),
        (3, ["一、优化审批", "并联审批", "市发改委", "市发改委、市财政局", "王某\n副市长"]),
        (4, ["", "网上办理", "市大数据局", "", ""]),
        (5, ["", "", "", "", ""]),
        (6, ["提升服务", "", "", "", ""]),  # a section row
        (7, ["", "帮办代办", "市政务服务局", "", ""]),
    ]
    result = p.parse_rows(rows)
    assert result.year == 2020 and result.title == "2020年工作要点"
    assert [t.number for t in result.tasks] == ["1", "2", "3"]
    first, second, third = result.tasks
    assert (first.measure_number, first.measure) == (1, "优化审批")
    assert first.partner_units == ["市财政局"]  # the lead is not its own partner
    assert (second.leader_name, second.leader_title) == ("王某", "副市长")
    assert (third.measure, third.measure_number) == ("提升服务", 2)
    assert result.unit_names == ["市发改委", "市财政局", "市大数据局", "市政务服务局"]
    assert first.as_json()["deadline"] is None


def test_indicator_keys_and_outputs():
    rows = [
        (1, ["序号", "任务内容", "牵头单位", "预期成果", "关联指标"]),
        (2, ["1", "办事提速", "市发改委", "办理时限压减一半", "cases.on_time, cases.sla ;x"]),
    ]
    (task,) = p.parse_rows(rows, 2020).tasks
    assert task.expected_outputs == "办理时限压减一半"
    assert task.indicator_keys == ["cases.on_time", "cases.sla", "x"]


@pytest.mark.parametrize(
    "data, text",
    [
        ("序号,任务".encode("utf-8-sig"), "序号,任务"),
        ("序号,任务".encode("gb18030"), "序号,任务"),
        (b"\xff\xfe\xfa", "\ufffd\ufffd\ufffd"),
    ],
)
def test_decode_text(data, text):
    assert p.decode_text(data) == text


def test_csv_rows_sniff_the_delimiter_and_count_physical_lines():
    data = '序号\t任务内容\t牵头单位\n1\t"两行\n内容"\t市发改委\n2\t单行\t市财政局\n'.encode()
    rows = p.csv_rows(data)
    assert [ln for ln, _r in rows] == [1, 2, 4]
    assert rows[1][1] == ["1", "两行\n内容", "市发改委"]


def test_xlsx_picks_the_sheet_with_the_header_and_fills_merged_cells():
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表填报说明"])
    ws = wb.create_sheet("任务")
    ws.append(["序号", "任务内容", "牵头单位"])
    ws.append([1, "任务一", "市发改委"])
    ws.append([2, "任务二", None])
    ws.merge_cells("C2:C3")
    buf = io.BytesIO()
    wb.save(buf)
    rows = p.xlsx_rows(buf.getvalue())
    assert rows[0] == (1, ["序号", "任务内容", "牵头单位"])
    assert rows[2] == (3, [2, "任务二", "市发改委"])


@pytest.mark.parametrize(
    "name, data, fragment",
    [
        ("tasks.xlsx", b"not a workbook", "Excel"),
        ("tasks.docx", b"PK\x03\x04broken", "Word"),
        ("tasks.pdf", b"%PDF-1.4", "“.pdf”"),
    ],
)
def test_unreadable_or_unsupported_files_are_one_error(name, data, fragment):
    result = p.parse_file(name, data)
    assert result.tasks == []
    (error,) = result.errors
    assert error.field == "file" and fragment in str(error)


def test_a_docx_without_a_body_document_is_an_error():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/other.xml", "<x/>")
    assert p.parse_file("a.docx", buf.getvalue()).errors[0].field == "file"


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(body: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", f"<w:document {W}><w:body>{body}</w:body></w:document>")
    return buf.getvalue()


def _tc(text, pr=""):
    return f"<w:tc>{pr}<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def test_docx_merges_are_filled_and_breaks_kept():
    span = "<w:tcPr><w:gridSpan w:val='2'/></w:tcPr>"
    restart = "<w:tcPr><w:vMerge w:val='restart'/></w:tcPr>"
    cont = "<w:tcPr><w:vMerge/></w:tcPr>"
    body = (
        "<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>换行</w:t><w:tab/><w:t>制表</w:t></w:r></w:p>"
        "<w:tbl>"
        f"<w:tr>{_tc('合并', span)}{_tc('上', restart)}</w:tr>"
        f"<w:tr>{_tc('a')}{_tc('b')}{_tc('', cont)}</w:tr>"
        "</w:tbl>"
    )
    text, tables = p.docx_content(_docx(body))
    assert text.splitlines()[:2] == ["第一行", "换行 制表"]
    assert tables == [[(1, ["合并", "合并", "上"]), (2, ["a", "b", "上"])]]


def test_a_docx_task_table_is_read_as_rows_with_the_documents_number():
    body = (
        "<w:p><w:r><w:t>绵府办发〔2020〕3号</w:t></w:r></w:p><w:tbl>"
        f"<w:tr>{_tc('序号')}{_tc('任务内容')}{_tc('牵头单位')}</w:tr>"
        f"<w:tr>{_tc('1')}{_tc('年底前完成并联审批')}{_tc('市发改委')}</w:tr>"
        "</w:tbl>"
    )
    result = p.parse_file("a.docx", _docx(body))
    assert result.source == "spreadsheet" and result.doc_number == "绵府办发〔2020〕3号"
    (task,) = result.tasks
    assert task.deadline == datetime.date(2020, 12, 31)


def test_a_text_table_pasted_one_row_per_line():
    text = "序号|任务内容|牵头单位\n1|并联审批|市发改委\n2|网上办理|市大数据局\n"
    rows = p.text_table_rows(text)
    assert rows[1] == (2, ["1", "并联审批", "市发改委"])
    result = p.parse_document(text, 2020)
    assert [t.lead_units for t in result.tasks] == [["市发改委"], ["市大数据局"]]


def test_a_text_table_pasted_one_cell_per_line():
    text = (
        "序号\n任务内容\n牵头单位\n一、优化审批\n1\n并联审批\n市发改委\n2\n网上办理\n市大数据局\n"
    )
    rows = p.text_table_rows(text)
    assert rows[0] == (1, ["序号", "任务内容", "牵头单位"])
    assert (4, ["一、优化审批"]) in rows
    assert (5, ["1", "并联审批", "市发改委"]) in rows
    assert p.text_table_rows("没有表格的正文\n第二段") is None


@pytest.mark.parametrize(
    "line, cells",
    [
        ("| a | | b |", ["a", "", "b"]),
        ("a\t\tb", ["a", "", "b"]),
        ("a  b   c", ["a", "b", "c"]),
        ("a b", ["a b"]),
    ],
)
def test_text_cells(line, cells):
    assert p._cells(line) == cells


def test_a_leader_in_full_width_parentheses_inside_a_full_width_note():
    """“（牵头领导：刘建国（常务副市长）；牵头单位：…）” as documents print it: the note's
    semicolon is not part of the leader's name (it was read as “刘建国 ;”)."""
    from yingshang.reforms.parsing import parse_document

    text = (
        "一、优化营商环境\n1. 推行一网通办。（牵头领导：刘建国（常务副市长）；"
        "牵头单位：市政务服务管理局；完成时限：2019年12月底）"
    )
    (task,) = parse_document(text, year=2019).tasks
    assert (task.leader_name, task.leader_title) == ("刘建国", "常务副市长")
    assert task.lead_units == ["市政务服务管理局"]
