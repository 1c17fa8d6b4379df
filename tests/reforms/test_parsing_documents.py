"""Whole documents through ``parse_document`` in small, hand-written pieces: page marks, note
lines and their wrapping, inline sub-items, paragraphs under a heading, 总牵头单位 sections,
the first-is-lead convention, uncertain fields, numbering and the document's number/year."""

import datetime

from yingshang.reforms.parsing import parse_document


def _tasks(text, year=2020):
    result = parse_document(text, year)
    return result, {t.number: t for t in result.tasks}


def test_title_doc_number_and_year_come_from_the_head_of_the_document():
    text = (
        "绵府办发〔2021〕7号\n"
        "关于印发《绵阳市优化营商环境若干措施》的通知\n"
        "一、优化审批\n"
        "1.推行并联审批。(牵头单位:市发改委)\n"
    )
    result = parse_document(text)
    assert result.year == 2021
    assert result.doc_number == "绵府办发〔2021〕7号"
    assert result.title == "绵阳市优化营商环境若干措施"
    assert result.source == "document"


def test_without_a_book_title_the_first_line_is_the_title():
    result = parse_document("\n  2020年工作要点  \n1.推行并联审批。(牵头单位:市发改委)\n")
    assert result.title == "2020年工作要点" and result.year == 2020


def test_a_document_without_notes_is_one_error():
    result = parse_document("一、总体要求\n1.提高认识。\n2.加强领导。\n", 2020)
    assert result.tasks == []
    assert [e.field for e in result.errors] == ["file"]


def test_page_marks_are_skipped_and_note_lines_attach_to_the_paragraph_above():
    text = (
        "一、优化审批\n"
        "1.推行并联审批,压缩审批时间。\n"
        "— 3 —\n"
        "牵头单位:市发改委\n"
        "配合单位:市财政局、市税务局\n"
        "完成时限:2020年6月底前\n"
        "2.推进网上办理。\n"
        "责任单位:市大数据局\n"
    )
    result, tasks = _tasks(text)
    assert result.errors == []
    first = tasks["1"]
    assert first.content == "推行并联审批,压缩审批时间。"
    assert (first.lead_units, first.partner_units) == (["市发改委"], ["市财政局", "市税务局"])
    assert first.deadline == datetime.date(2020, 6, 30)
    assert tasks["2"].lead_units == ["市大数据局"]
    assert tasks["2"].uncertain_fields == ["deadline"]  # no date anywhere


def test_a_note_line_wrapped_by_the_page_continues_on_the_next_line():
    text = (
        "一、优化审批\n"
        "1.推行并联审批。\n"
        "配合单位:市财政局、市税务局、市自然资源和规划局、市住房和\n"
        "城乡建设局\n"
        "牵头单位:市发改委\n"
    )
    _result, tasks = _tasks(text)
    assert tasks["1"].partner_units[-1] == "市住房和城乡建设局"


def test_inline_sub_items_each_with_a_note_become_tasks_numbered_under_their_item():
    text = (
        "一、深化商事制度改革\n"
        "1.推进企业开办便利化。(1)实行一窗受理。(市市场监管局牵头负责)"
        "(2)推行电子营业执照。(市市场监管局牵头负责,2020年9月底前完成)\n"
    )
    _result, tasks = _tasks(text)
    assert set(tasks) == {"1.1", "1.2"}
    assert tasks["1.2"].deadline == datetime.date(2020, 9, 30)
    assert tasks["1.1"].content.startswith("实行一窗受理")


def test_paragraphs_under_a_heading_each_with_a_note_are_items_in_order():
    text = (
        "一、优化外商投资环境\n"
        "落实外商投资准入前国民待遇。(牵头单位:市商务局)\n"
        "对外商投资企业实行内外资一致的监管。(牵头单位:市市场监管局)\n"
    )
    result, tasks = _tasks(text)
    assert [t.lead_units for t in result.tasks] == [["市商务局"], ["市市场监管局"]]
    assert all(t.measure == "优化外商投资环境" for t in result.tasks)


def test_an_overall_lead_on_a_section_is_inherited_by_its_items():
    text = (
        "一、提升政务服务(总牵头单位:市政务服务监管局)\n"
        "1.推行一网通办。\n"
        "2.推行帮办代办。(配合单位:市大数据局)\n"
        "(二)其他\n"
    )
    _result, tasks = _tasks(text)
    assert tasks["1"].lead_units == ["市政务服务监管局"]
    assert tasks["2"].partner_units == ["市大数据局"]


def test_an_item_without_a_note_in_a_noted_section_is_reported_with_its_line():
    text = "一、优化审批\n1.推行并联审批。(牵头单位:市发改委)\n2.推进网上办理。\n"
    result, tasks = _tasks(text)
    assert set(tasks) == {"1"}
    (error,) = result.errors
    assert (error.line, error.field) == (3, "lead_units")
    assert "第2项" in error.message


def test_numbering_restarting_per_measure_is_qualified():
    text = (
        "一、优化审批\n"
        "1.推行并联审批。(牵头单位:市发改委)\n"
        "二、优化服务\n"
        "1.推行帮办代办。(牵头单位:市政务服务监管局)\n"
    )
    result, tasks = _tasks(text)
    assert set(tasks) == {"1.1", "2.1"}
    assert [t.measure_number for t in result.tasks] == [1, 2]
    assert result.errors == []


def test_continuous_numbering_is_kept_as_is():
    text = (
        "一、优化审批\n"
        "1.推行并联审批。(牵头单位:市发改委)\n"
        "二、优化服务\n"
        "2.推行帮办代办。(牵头单位:市政务服务监管局)\n"
    )
    _result, tasks = _tasks(text)
    assert set(tasks) == {"1", "2"}


def test_duplicate_numbers_under_one_measure_are_an_error():
    text = (
        "一、优化审批\n1.推行并联审批。(牵头单位:市发改委)\n1.推进网上办理。(牵头单位:市发改委)\n"
    )
    result = parse_document(text, 2020)
    assert [e.field for e in result.errors] == ["number"]


def test_an_inferred_lead_is_uncertain_unless_the_document_states_the_convention():
    body = "一、优化审批\n1.推行并联审批。(市发改委、市财政局)\n"
    (task,) = parse_document(body, 2020).tasks
    assert task.lead_units == ["市发改委"] and "lead_units" in task.uncertain_fields
    stated = (
        "一、优化审批\n1.推行并联审批。(市发改委、市财政局,排在第一位的为牵头单位,下同)\n"
        "2.推进网上办理。(市大数据局、市财政局)\n"
    )
    tasks = parse_document(stated, 2020).tasks
    assert [t.lead_units for t in tasks] == [["市发改委"], ["市大数据局"]]
    assert all("lead_units" not in t.uncertain_fields for t in tasks)  # for the whole text


def test_several_dates_in_the_text_make_the_deadline_uncertain():
    text = "一、优化审批\n1.2020年6月底前试点,2020年底前推开。(牵头单位:市发改委)\n"
    (task,) = parse_document(text, 2020).tasks
    assert task.deadline == datetime.date(2020, 12, 31)
    assert task.uncertain_fields == ["deadline"]


def test_the_notes_deadline_wins_over_dates_in_the_text():
    text = (
        "一、优化审批\n1.对标2019年先进做法推行并联审批。(牵头单位:市发改委;完成时限:2020年9月底)\n"
    )
    (task,) = parse_document(text, 2020).tasks
    assert task.deadline == datetime.date(2020, 9, 30)
    assert task.deadline_text == "2020年9月底"
    assert task.uncertain_fields == []


def test_remarks_in_the_note_and_the_leader_reach_the_task():
    text = (
        "一、优化审批\n"
        "1.推行并联审批。(牵头单位:市发改委;牵头领导:王某(副市长)。以下各县市区均需落实)\n"
    )
    (task,) = parse_document(text, 2020).tasks
    assert (task.leader_name, task.leader_title) == ("王某", "副市长")
    assert task.note == "以下各县市区均需落实"


def test_windows_and_old_mac_line_ends_are_read():
    text = (
        "一、优化审批\r\n1.推行并联审批。(牵头单位:市发改委)\r2.推进网上办理。(牵头单位:市大数据局)"
    )
    result, tasks = _tasks(text)
    assert set(tasks) == {"1", "2"} and tasks["2"].line == 3


def test_circled_and_parenthesised_sub_items_are_merged_into_their_task():
    text = (
        "一、优化审批\n"
        "1.推行并联审批。(牵头单位:市发改委)\n"
        "(1)梳理事项清单。\n"
        "①编制指南。\n"
        "2.推进网上办理。(牵头单位:市大数据局)\n"
    )
    result, tasks = _tasks(text)
    assert set(tasks) == {"1", "2"}
    assert "(1)梳理事项清单" in tasks["1"].content
    assert "编制指南" in tasks["1"].content
