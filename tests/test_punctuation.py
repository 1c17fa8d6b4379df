"""Chinese punctuation per GB/T 15834 (#12): the marks in Chinese text are full-width, in the
code's messages, the templates and the catalogues — ``scripts/fullwidth`` finds and fixes them;
between a translated word and the rest of a template the mark is a tag that writes the
language's own mark."""

import importlib.machinery
import importlib.util
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent


def _load():
    path = ROOT / "scripts" / "fullwidth"
    loader = importlib.machinery.SourceFileLoader("fullwidth", str(path))
    spec = importlib.util.spec_from_loader("fullwidth", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


fw = _load()


def test_every_message_and_template_uses_full_width_marks_in_chinese_text():
    offenders = []
    for path, fixer in fw.targets():
        text = path.read_text(encoding="utf-8")
        if fixer(text) != text:
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, (
        f"half-width marks in Chinese text (run scripts/fullwidth --fix): {offenders}"
    )


YESNO = re.compile(r"^[^,\s]{1,4}(,[^,\s]{1,4}){1,2}$")


def test_no_catalogue_msgid_has_half_width_marks_in_chinese_text():
    bad = []
    for po in (ROOT / "src" / "yingshang").rglob("django.po"):
        for _, _lines, msgid, _ in fw._entries(po.read_text(encoding="utf-8")):
            if YESNO.match(msgid):
                continue  # the choices of a yesno filter: its commas are syntax
            if fw.fix(msgid) != msgid:
                bad.append(msgid)
    assert not bad, bad[:20]


@pytest.mark.parametrize(
    "before,after",
    [
        ("任务已销号,不能再报送进度。", "任务已销号，不能再报送进度。"),
        ("只有督查部门(政务服务监督管理局)可以", "只有督查部门（政务服务监督管理局）可以"),
        ("共 %(n)s 件, 其中", "共 %(n)s 件，其中"),
        ("至 %(p)s,5 分钟内有效", "至 %(p)s,5 分钟内有效"),  # between a value and a digit: left
        ("验证码已发送至 %(p)s 手机,5分钟内有效。", "验证码已发送至 %(p)s 手机，5分钟内有效。"),
        ("时间:10:30", "时间：10:30"),
        ("上传文件(PDF、JPG)", "上传文件（PDF、JPG）"),
        ("请选择 (可选)", "请选择（可选）"),
        ("办件编号(%(number)s)", "办件编号（%(number)s）"),
        ("已有账号?登录", "已有账号？登录"),
        ("一级;二级", "一级；二级"),
    ],
)
def test_marks_in_chinese_text_become_full_width(before, after):
    assert fw.fix(before) == after


@pytest.mark.parametrize(
    "text",
    [
        "3,000 元",  # digit grouping
        "Excel(.xlsx)",  # no Chinese
        "[,，]",  # a pattern of both widths
        "Applicant accounts (申请人账号): the portal side of core.User",  # English prose
        "%(type)s",
        "https://example.cn/a,b",
    ],
)
def test_what_is_not_chinese_text_is_left_alone(text):
    assert fw.fix(text) == text


@given(st.text(alphabet=st.sampled_from(list("办件编号查询码ab1 ,:;()%s（），：")), max_size=30))
def test_fixing_is_idempotent_and_keeps_the_words(text):
    once = fw.fix(text)
    assert fw.fix(once) == once
    assert fw._key(once) == fw._key(text)


def test_a_template_mark_between_a_translated_word_and_a_value_is_a_tag():
    src = '{% load i18n %}<p>{% translate "查询码" %}:<b>{{ code }}</b></p>'
    fixed = fw.fix_template(src)
    assert fixed == '{% load i18n %}<p>{% translate "查询码" %}{% colon %}<b>{{ code }}</b></p>'
    assert fw.fix_template(fixed) == fixed


def test_a_mark_inside_blocktranslate_stays_text():
    src = "{% blocktranslate %}文件(PDF,不超过 {{ mb }} MB){% endblocktranslate %}"
    assert fw.fix_template(src) == (
        "{% blocktranslate %}文件（PDF，不超过 {{ mb }} MB）{% endblocktranslate %}"
    )


@pytest.mark.parametrize(
    "lang,expected",
    [("zh-hans", "查询码：ABC（已暂停）"), ("en", "Query code: ABC (已暂停)")],
)
def test_the_punctuation_tags_write_the_languages_own_marks(lang, expected):
    t = Template("{{ label }}{% colon %}ABC{% lparen %}{{ note }}{% rparen %}")
    with translation.override(lang):
        label = "查询码" if lang == "zh-hans" else "Query code"
        assert t.render(Context({"label": label, "note": "已暂停"})) == expected


def test_a_catalogue_keeps_its_translation_when_a_msgid_turns_full_width():
    old = 'msgid ""\nmsgstr ""\n\n#: a.py:1\nmsgid "请填写手机号(11位)。"\nmsgstr "Enter the phone (11 digits)."\n'
    known = fw.known_translations(old)
    after_makemessages = (
        'msgid ""\nmsgstr ""\n\n#: a.py:1\n#, fuzzy\n#| msgid "请填写手机号(11位)。"\n'
        'msgid "请填写手机号（11位）。"\nmsgstr "Enter the phone (11 digits)."\n\n'
        '#: b.py:2\nmsgid "下载数据（JSON）"\nmsgstr ""\n'
    )
    known.update(fw.known_translations('msgid "下载数据(JSON)"\nmsgstr "Download (JSON)"\n'))
    out = fw.reconcile_po(after_makemessages, known)
    assert "#, fuzzy" not in out and "#|" not in out
    assert 'msgid "请填写手机号（11位）。"\nmsgstr "Enter the phone (11 digits)."' in out
    assert 'msgid "下载数据（JSON）"\nmsgstr "Download (JSON)"' in out
