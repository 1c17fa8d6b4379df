"""The demo programme's data (demo/reforms_data.py) on its own: every task names departments the
demo city has, deadlines are month offsets within the programme's span or a standing phrase,
no task is written twice, the indicator phrases each match at least one task (a phrase that
matches none would be a dead mapping), and the document the demo step writes from this data is
parsed back by the real parser into exactly these tasks, leads and deadlines."""

import datetime
import re

from yingshang.demo import reforms as demo_reforms
from yingshang.demo.data import mianyang as city
from yingshang.demo.reforms_data import INDICATOR_KEYS, LEADERS, MEASURES
from yingshang.reforms.parsing import parse_document

KEYS = {row[0] for row in city.CITY_DEPARTMENTS}
STANDING = {"持续推进", "长期坚持", "持续实施", "每季度"}  # standing, or a recurring cycle


def _tasks():
    for measure, leader, tasks in MEASURES:
        for content, lead, partners, deadline in tasks:
            yield measure, leader, content, lead, partners, deadline


def test_every_task_names_departments_of_the_demo_city():
    for _measure, _leader, content, lead, partners, _deadline in _tasks():
        assert lead in KEYS, (content, lead)
        assert set(partners) <= KEYS, (content, partners)
        assert lead not in partners, content  # the lead is not also its own partner


def test_deadlines_are_month_offsets_in_the_programme_or_standing_phrases():
    for _measure, _leader, content, _lead, _partners, deadline in _tasks():
        if isinstance(deadline, int):
            assert 1 <= deadline <= 24, (content, deadline)
        else:
            assert deadline in STANDING, (content, deadline)


def test_leaders_measures_and_tasks_are_distinct():
    assert all(0 <= leader < len(LEADERS) for _m, leader, _t in MEASURES)
    titles = [m for m, _l, _t in MEASURES]
    assert len(set(titles)) == len(titles)
    contents = [c for _m, _l, c, *_rest in _tasks()]
    assert len(set(contents)) == len(contents)
    assert all(len(c) >= 8 and not c.endswith(("。", ";")) for c in contents)


def test_each_indicator_phrase_matches_a_task():
    contents = [c for _m, _l, c, *_rest in _tasks()]
    for phrase, keys in INDICATOR_KEYS:
        assert any(phrase in c for c in contents), phrase
        assert keys and all(re.fullmatch(r"[a-z_]+", k) for k in keys), (phrase, keys)


def test_the_written_document_parses_back_into_the_data():
    issue = datetime.date(2025, 3, 10)
    result = parse_document(demo_reforms.programme_text(issue), year=issue.year)
    expected = list(_tasks())
    assert len(result.tasks) == len(expected) == 102
    names = {k: n for k, n, *_rest in city.CITY_DEPARTMENTS}
    for parsed, (_measure, _leader, content, lead, _partners, deadline) in zip(
        result.tasks, expected, strict=True
    ):
        assert content in parsed.content
        assert names[lead] in " ".join(parsed.lead_units), (content, parsed.lead_units)
        if isinstance(deadline, int):
            month = issue.month - 1 + deadline
            year, month = issue.year + month // 12, month % 12 + 1
            assert parsed.deadline is not None, content
            assert (parsed.deadline.year, parsed.deadline.month) == (year, month), content
        else:
            assert parsed.deadline_kind != "date", (content, parsed.deadline_kind)
        # the demo document is written in the parser's clearest style: nothing to review
        assert "lead_units" not in parsed.uncertain_fields, content


def test_the_articles_figures_hold_in_the_data_itself():
    """The 2019 article: 35 measures, 102 tasks, 25 lead departments, the bureau leading 21."""
    assert len(MEASURES) == 35
    leads = [lead for _m, _l, _c, lead, _p, _d in _tasks()]
    assert len(leads) == 102
    assert len(set(leads)) == 25
    assert leads.count("gov_service") == 21
    names = [name for name, _title in LEADERS]
    assert len(set(names)) == len(names)
    # every leader leads at least one measure
    assert {leader for _m, leader, _t in MEASURES} == set(range(len(LEADERS)))


def test_partners_name_each_department_once_per_task():
    for _measure, _leader, content, _lead, partners, _deadline in _tasks():
        assert len(set(partners)) == len(partners), content
