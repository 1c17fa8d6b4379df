"""``{% options choices selected %}`` (platform/templatetags/options.py): the search filters'
<option> lists, built in Python — escaped, one marked selected, lazy labels translated."""

from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from hypothesis import given
from hypothesis import strategies as st

TEMPLATE = Template("{% load options %}<select>{% options choices selected %}</select>")


def render(choices, selected):
    return TEMPLATE.render(Context({"choices": choices, "selected": selected}))


def test_marks_only_the_selected_value_and_compares_as_text():
    html = render([(1, "甲"), (12, "乙"), ("2", "丙")], "12")
    assert html == (
        '<select><option value="1">甲</option><option value="12" selected>乙</option>'
        '<option value="2">丙</option></select>'
    )
    assert " selected" not in render([(1, "甲")], None)
    assert " selected" not in render([(1, "甲")], "")


def test_values_and_labels_are_escaped():
    html = render([('"><script>x</script>', "<b>&'\"</b>")], "")
    assert "<script>" not in html and "<b>" not in html
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert ">&lt;b&gt;&amp;&#x27;&quot;&lt;/b&gt;<" in html


def test_lazy_labels_follow_the_active_language():
    choices = [("person", _("个人办事"))]
    with translation.override("en"):
        english = render(choices, "person")
    assert "个人办事" in render(choices, "person")
    assert "个人办事" not in english and 'value="person" selected' in english


@given(
    st.lists(
        st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=6, unique_by=lambda c: c[0]
    ),
    st.text(max_size=8),
)
def test_as_many_options_as_choices_and_at_most_one_selected(choices, selected):
    html = render(choices, selected)
    assert html.count("<option ") == len(choices)
    assert html.count(" selected>") == sum(1 for value, _label in choices if value == selected)
    assert "<" not in html.replace("<option ", "").replace("</option>", "").replace(
        "<select>", ""
    ).replace("</select>", "")
