"""One focused test per house style of responsibility notes, numbering, tables and deadlines.
The texts are taken from the published programmes in ``corpus/`` (source in each sidecar); where
no document in the corpus shows a style (第一条, ①, inline (1)(2), 排在第一位 …) the sample is
real task text from the corpus rewritten into that style, as marked."""

import datetime

import pytest

from yingshang.reforms.parsing import (
    find_deadline,
    parse_document,
    parse_file,
    parse_note,
    split_units,
    text_table_rows,
)

from .corpus_eval import build_docx, compare, entries, parse_entry

D = datetime.date
TASK = "深化政务服务标准化建设。定期公布政务服务事项基本目录和实施清单。"  # 房县 2023


def one(text, year=2023):
    r = parse_document(text, year=year)
    assert r.errors == [], r.errors
    return r.tasks


# --- numbering ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "marker",
    ["一、", "(一)", "（一）", "1.", "1、", "(1)", "①", "第一条"],
)
def test_every_numbering_style_makes_a_task(marker):
    (t,) = one(f"{marker}{TASK}(牵头单位:县行政审批局,责任单位:县直各有关单位)")
    assert t.content.startswith("深化政务服务标准化建设") and t.lead_units == ["县行政审批局"]
    assert t.number == "1"


def test_task_as_heading_with_its_body_on_the_next_line():
    # 云南省 2017: “一、推进重大项目建设” then the paragraph and its note
    (t,) = one(
        "一、推进重大项目建设\n建立健全省、州市、县级领导联系重点项目制度。"
        "(省发展改革委、财政厅牵头;省工业和信息化委、国土资源厅,各州、市人民政府配合)\n",
        year=2017,
    )
    assert t.content.startswith("推进重大项目建设建立健全")
    assert t.lead_units == ["省发展改革委", "财政厅"]
    assert t.partner_units == ["省工业和信息化委", "国土资源厅", "各州、市人民政府"]


def test_unnumbered_paragraphs_under_a_heading_each_with_a_note():
    # 永城 2021: two unnumbered paragraphs under (一), 协办单位 as the partner role
    tasks = one(
        "(一)保障市场主体平等准入权力\n"
        "落实全国统一的市场准入负面清单。(牵头单位:市发展改革委、市场监管局;协办单位:市直相关单位)\n"
        "对外商投资实行准入前国民待遇加负面清单管理制度。(牵头单位:市商务局;协办单位:市直相关单位)\n",
        year=2021,
    )
    assert [t.lead_units for t in tasks] == [["市发展改革委", "市场监管局"], ["市商务局"]]
    assert all(t.partner_units == ["市直相关单位"] for t in tasks)
    assert [t.measure for t in tasks] == ["保障市场主体平等准入权力"] * 2


def test_inline_sub_items_in_one_paragraph_are_separate_tasks():
    # the example, sub-item texts from 钢城区 2021
    tasks = one(
        "一、推进简政放权\n1.深化商事制度改革。(1)规范行政备案事项管理,编制并公布行政备案事项清单。"
        "(区政府办公室牵头负责)(2)严格落实行政许可设定审查制度。(区司法局牵头负责)\n"
        "2.优化审批服务。(区行政审批服务局牵头负责)\n",
        year=2021,
    )
    assert [t.number for t in tasks] == ["1.1", "1.2", "2"]
    assert tasks[0].content.startswith("规范行政备案事项管理") and tasks[0].lead_units == [
        "区政府办公室"
    ]
    assert tasks[1].content.startswith("严格落实") and tasks[1].lead_units == ["区司法局"]
    assert tasks[0].measure == "深化商事制度改革"


# --- notes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note",
    [
        "(牵头单位:县行政审批局;责任单位:县直各有关单位)",
        "（牵头单位：县行政审批局；责任单位：县直各有关单位）",
        "〔牵头单位:县行政审批局,责任单位:县直各有关单位〕",
        "【牵头单位:县行政审批局;责任单位:县直各有关单位】",
        "[牵头单位:县行政审批局;责任单位:县直各有关单位]",
        "(县行政审批局牵头,县直各有关单位按职责分工负责)",
        "(主办单位:县行政审批局;参与单位:县直各有关单位)",
    ],
)
def test_note_brackets_and_roles(note):
    (t,) = one(f"(一){TASK}{note}")
    assert (t.lead_units, t.partner_units) == (["县行政审批局"], ["县直各有关单位"])


def test_notes_on_their_own_lines():
    # 鄂尔多斯 2025
    (t,) = one(
        "(1)扶持个体私营经济发展。建立个体工商户“名特优新”分类标准。\n"
        "牵头部门:市市场监督管理局\n配合单位:各旗区人民政府\n完成时限:2025年12月底前\n",
        year=2025,
    )
    assert (t.lead_units, t.partner_units) == (["市市场监督管理局"], ["各旗区人民政府"])
    assert t.deadline == D(2025, 12, 31) and "完成时限" not in t.content
    assert t.uncertain_fields == []


def test_deadline_inside_the_note_is_not_a_unit():
    # 湘西 2020
    n = parse_note(
        "牵头单位:州行政审批服务局;责任单位:州司法局、州委编办及州直相关单位,"
        "各县市人民政府、湘西经开区管委会,6月底完成"
    )
    assert n.deadline_text == "6月底完成" and "6月底完成" not in n.partners
    assert n.partners == [
        "州司法局",
        "州委编办",
        "州直相关单位",
        "各县市人民政府",
        "湘西经开区管委会",
    ]


def test_trailing_sentence_is_kept_as_a_note_not_split_into_units():
    # 浙江 2022
    (t,) = one(
        "(一)实施市场准入负面清单管理。印发实施工作方案。(省发展改革委、省商务厅牵头,"
        "省级有关单位和各市、县〔市、区〕政府按职责分工负责。以下均需各市、县〔市、区〕政府落实,不再列出)",
        year=2022,
    )
    assert t.lead_units == ["省发展改革委", "省商务厅"]
    assert t.partner_units == ["省级有关单位", "各市、县〔市、区〕政府"]
    assert t.note == "以下均需各市、县〔市、区〕政府落实,不再列出"
    # 临夏 2025: the remark follows a comma
    n = parse_note(
        "责任单位:州政务服务中心,各县市人民政府、州直相关行业部门按职责分工负责,"
        "以下各任务均需各县市人民政府、州直相关行业部门落实,不再一一列出"
    )
    assert (n.leads, n.partners) == (["州政务服务中心"], ["各县市人民政府", "州直相关行业部门"])
    assert n.remark.startswith("以下各任务") and not n.lead_inferred


def test_document_convention_makes_the_first_unit_lead_without_a_flag():
    # 厦门 2019 states it in the first note; the style 排在第一位的为牵头单位 likewise
    for convention in ("(第一责任单位为牵头单位,下同)", "(排在第一位的为牵头单位,下同)"):
        tasks = one(
            f"(一)推进完善PPP健康运行长效机制。\n责任单位:市发改委、市财政局{convention}\n"
            "时限要求:持续推进\n(二)严格落实全省统一的招投标政策。\n"
            "责任单位:市建设局、市财政局\n时限要求:持续推进\n",
            year=2019,
        )
        assert [t.lead_units for t in tasks] == [["市发改委"], ["市建设局"]]
        assert [t.partner_units for t in tasks] == [["市财政局"], ["市财政局"]]
        assert all("lead_units" not in t.uncertain_fields for t in tasks)
        assert tasks[0].deadline_kind == "ongoing"


def test_no_lead_note_keeps_every_unit_and_flags_the_lead():
    # 泰州 2019
    (t,) = one(
        "(一)持续加大简政放权力度。削减审批事项。(责任单位:市行政审批局、住建局、司法局,"
        "各市(区)人民政府,医药高新区管委会)",
        year=2019,
    )
    assert t.lead_units + t.partner_units == [
        "市行政审批局",
        "住建局",
        "司法局",
        "各市(区)人民政府",
        "医药高新区管委会",
    ]
    assert "lead_units" in t.uncertain_fields
    assert t.as_json()["uncertain_fields"] == t.uncertain_fields


def test_single_responsible_unit_leads_without_a_flag():
    (t,) = one("(一)地区生产总值增长7%以上\n责任单位:区发展和改革局\n")
    assert t.lead_units == ["区发展和改革局"] and "lead_units" not in t.uncertain_fields


def test_collective_names_kept_whole():
    assert split_units("区司法局等有关部门") == ["区司法局等有关部门"]
    assert split_units("市政务服务办等部门,各区人民政府") == ["市政务服务办等部门", "各区人民政府"]
    assert split_units("各县（市、区）人民政府、有关单位") == ["各县（市、区）人民政府", "有关单位"]
    assert split_units("各州、市人民政府") == ["各州、市人民政府"]
    assert split_units("省直有关部门(单位)及各市(州)人民政府") == [
        "省直有关部门(单位)",
        "各市(州)人民政府",
    ]
    assert split_units("审批服务管理局等") == ["审批服务管理局"]  # a bare 等 names nothing
    assert split_units("市自然资源和规划局") == ["市自然资源和规划局"]  # 和 inside a name


# --- tables ------------------------------------------------------------------------------


def test_table_pasted_one_cell_per_line():
    # 霍山经济开发区 2025, as the web page renders the table
    text = (
        "2025年开发区重点工作及责任清单\n序号 |\n重点工作 |\n责任领导 |\n责任单位 |\n完成时限 |\n"
        "1 |\n全力推进开发区“空间再造”。 |\n马振明 |\n改革办 |\n全年 |\n"
        "2 |\n持续提升园区承载能力。 |\n张云峰 |\n规划建设局 |\n2025年6月底前 |\n"
    )
    r = parse_document(text, year=2025)
    assert [(t.number, t.lead_units, t.deadline) for t in r.tasks] == [
        ("1", ["改革办"], D(2025, 12, 31)),
        ("2", ["规划建设局"], D(2025, 6, 30)),
    ]
    assert r.tasks[0].leader_name == "马振明" and r.tasks[0].line == 7


def test_table_pasted_one_row_per_line_with_a_bad_row():
    text = (
        "序号\t任务\t牵头单位\t责任单位\t完成时限\n"
        "1\t压缩企业开办时间\t市市场监管局\t市税务局、市公安局\t2021年6月底前\n"
        "2\t推行证照分离改革\t\t市司法局\t年内\n"
    )
    assert text_table_rows(text)[0][1][:2] == ["序号", "任务"]
    r = parse_document(text, year=2021)
    assert [t.partner_units for t in r.tasks] == [["市税务局", "市公安局"]]
    assert [(e.line, e.field) for e in r.errors] == [(3, "lead_units")]


def test_docx_word_table_with_merged_cells():
    meta = next(e for e in entries() if e["id"] == "chongqing_2025_docx")
    data = build_docx(meta)
    assert b'w:vMerge w:val="continue"' in data and b"w:gridSpan" in data
    r = parse_file("清单.docx", data, year=2025)
    assert [t.lead_units for t in r.tasks] == [["市市场监管局"]] * 5  # merged down 5 rows
    assert {t.measure for t in r.tasks} == {"市场准入(牵头单位:市市场监管局)"}  # spanned row


# --- deadlines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,date,kind",
    [
        ("2019年6月底前", D(2019, 6, 30), "date"),
        ("6月底完成", D(2019, 6, 30), "date"),
        ("年内", D(2019, 12, 31), "date"),
        ("第三季度", D(2019, 9, 30), "date"),
        ("上半年", D(2019, 6, 30), "date"),
        ("全年", D(2019, 12, 31), "date"),
        ("在2020年前全市实现全覆盖", D(2020, 12, 31), "date"),
        ("到2025年完成18个项目建设", D(2025, 12, 31), "date"),
        ("2021-2023年", D(2023, 12, 31), "date"),
        ("2019—2021年", D(2021, 12, 31), "date"),
        ("2020年起", None, "none"),
        ("每年", None, "ongoing"),
        ("持续推进", None, "ongoing"),
        ("持续推进“一网通办”", None, "none"),  # the task's verb, not its time
        ("每季度组织一次银企对接", None, "ongoing"),
    ],
)
def test_deadline_phrases_anywhere(text, date, kind):
    d = find_deadline(text, 2019)
    assert (d.date, d.kind) == (date, kind)
    if text == "每年":
        assert d.cycle == "yearly"


def test_several_dates_in_the_task_text_flag_the_deadline():
    # 云南 2017: milestones in the text; the latest is proposed and flagged for the reviewer
    (t,) = one(
        "一、推进重大项目建设\n发展改革、财政部门2017年3月底前拨付经费。专项资金须于2017年6月底前"
        "下达60%以上、11月底前全部下达到位。(省发展改革委、财政厅牵头)\n",
        year=2017,
    )
    assert t.deadline == D(2017, 11, 30) and t.uncertain_fields == ["deadline"]


def test_the_corpus_entries_each_parse_as_expected_by_style():
    """Every house style in the corpus has its documents fully right (the figure itself is
    in test_corpus.py)."""
    for meta in entries():
        cmp = compare(meta, parse_entry(meta))
        assert cmp["got"] == cmp["expected"], meta["id"]


# --- found on the held-out documents (see docs/reforms.md) ----------------------------------


def test_a_start_date_is_not_a_deadline():
    # 韶关 2019: “自2019年1月1日起按标准调整到位”
    assert find_deadline("自2019年1月1日起按标准调整到位", 2019).kind == "none"
    assert find_deadline("2019年1月起每月", 2019).kind == "ongoing"


def test_overall_lead_of_a_section_is_inherited_by_its_items():
    # 木兰县 2019: “(一)……(总牵头单位:县委依法治县委员会办公室)” then items 1., 2.
    tasks = one(
        "二、任务分工\n(一)构建法治环境保障体系(总牵头单位:县委依法治县委员会办公室)\n"
        "1.各级领导干部要切实增强法治、规则、契约意识。\n2.健全依法决策机制。\n",
        year=2019,
    )
    assert [t.content[:4] for t in tasks] == ["各级领导", "健全依法"]
    assert all(t.lead_units == ["县委依法治县委员会办公室"] for t in tasks)


def test_note_line_wrapped_by_the_printed_page_and_page_numbers_skipped():
    # 石景山区 2019, text taken from the PDF
    (t,) = one(
        "1.完善街道党工委对地区治理重大工作的领导体制机制,优\n化决策程序。\n"
        "牵头单位:区委组织部\n协办单位:区委编办、区民政局(区委社会工委)、园区党工\n"
        "委、各街道党工委\n— — — 3 —\n",
        year=2019,
    )
    assert t.partner_units == ["区委编办", "区民政局(区委社会工委)", "园区党工委", "各街道党工委"]
    assert "3" not in t.content


def test_bare_unit_list_is_a_note_only_at_the_end_or_with_a_convention():
    # 嘉兴 2023: no role word, the convention stated inside the note
    n = parse_note("市税务局、市财政局,各县市、区政府,列第一位的为牵头单位,下同")
    assert (n.leads, n.partners, n.convention) == (
        ["市税务局"],
        ["市财政局", "各县市、区政府"],
        True,
    )
    (t,) = one("(一)强化财税政策保障。依规加大减税降费力度。(市税务局、市财政局)")
    assert t.lead_units == ["市税务局"] and "lead_units" in t.uncertain_fields
    # an aside in the middle of the text is not a note
    assert parse_note("市市场监管局") is None
    assert split_units("各县区、开发园区") == ["各县区", "开发园区"]


def test_bare_units_before_a_partner_clause_lead():
    # 马鞍山 2021
    n = parse_note("市商务局,各县区、开发园区按职责分工负责")
    assert (n.leads, n.partners) == (["市商务局"], ["各县区", "开发园区"])


def test_text_after_a_short_note_line_is_not_glued_to_it():
    tasks = one(
        "(一)地区生产总值增长7%以上\n责任单位:区发展和改革局\n蔡甸区人民政府办公室\n",
        year=2023,
    )
    assert tasks[0].lead_units == ["区发展和改革局"]
