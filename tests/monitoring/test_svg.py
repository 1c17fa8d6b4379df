"""The server-side SVG charts of the reports, parsed back as XML: bar lengths in proportion,
no data drawn as a gap labelled 无数据 (never as 0), labels escaped, lines broken at gaps."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from yingshang.monitoring import svg

NS = "{http://www.w3.org/2000/svg}"


def parse(text):
    root = ET.fromstring(text)
    assert root.tag == NS + "svg"
    return root


def texts(root):
    return [t.text for t in root.iter(NS + "text")]


def test_bar_lengths_are_proportional_to_the_values():
    root = parse(svg.bar_chart("各县得分", ["涪城区", "游仙区", "江油市"], [80.0, 40.0, 20.0]))
    widths = [float(r.get("width")) for r in root.iter(NS + "rect")]
    plot_w = 640 - 150 - 70
    assert widths == pytest.approx([plot_w, plot_w / 2, plot_w / 4], abs=0.06)
    labels = texts(root)
    assert labels[0] == "各县得分"
    assert "涪城区" in labels and "80.0" in labels and "20.0" in labels
    assert root.get("font-family") == svg.FONT


def test_no_data_is_a_labelled_gap_not_a_zero_bar():
    root = parse(svg.bar_chart("t", ["甲", "乙", "丙"], [None, 50.0, 0.0]))
    rects = list(root.iter(NS + "rect"))
    assert len(rects) == 2  # 乙 and 丙; 甲 has no bar
    # a true zero is still drawn (a 1-pixel bar) and labelled 0.0
    assert float(rects[1].get("width")) == 1.0
    labels = texts(root)
    assert labels.count("无数据") == 1 and "0.0" in labels


def test_no_data_label_follows_the_language():
    with translation.override("en"):
        root = parse(svg.bar_chart("t", ["A"], [None]))
    assert "无数据" not in texts(root)
    assert any(t and "data" in t.lower() for t in texts(root))


def test_all_values_missing_draws_no_bar():
    root = parse(svg.bar_chart("t", ["甲", "乙"], [None, None]))
    assert list(root.iter(NS + "rect")) == []
    root = parse(svg.line_chart("t", ["1", "2"], [None, None]))
    assert list(root.iter(NS + "polyline")) == [] and list(root.iter(NS + "circle")) == []


def test_markup_in_labels_is_escaped():
    text = svg.bar_chart("<script>", ['a&b"<c>'], [1.0])
    root = parse(text)  # still well-formed XML
    assert "<script>" not in text
    assert texts(root)[0] == "<script>" and 'a&b"<c>' in texts(root)
    assert "<x/>" in texts(parse(svg.line_chart("t", ["<x/>"], [1.0])))


def test_bar_height_grows_with_the_number_of_rows():
    h1 = float(parse(svg.bar_chart("t", ["a"], [1.0])).get("height"))
    h3 = float(parse(svg.bar_chart("t", ["a", "b", "c"], [1.0, 2.0, 3.0])).get("height"))
    assert h3 - h1 == 2 * (22 + 6)


def test_line_is_broken_at_missing_values():
    root = parse(svg.line_chart("趋势", list("abcdef"), [1.0, 2.0, None, 3.0, None, 4.0]))
    lines = root.findall(NS + "polyline")
    # a–b is one segment; d and f stand alone (a point each, no line)
    assert len(lines) == 1
    assert len(lines[0].get("points").split()) == 2
    assert len(root.findall(NS + "circle")) == 4


def test_line_points_span_the_plot_from_min_to_max_when_asked():
    root = parse(svg.line_chart("t", ["1", "2", "3"], [10.0, 20.0, 30.0], from_zero=False))
    pts = [
        tuple(map(float, p.split(","))) for p in root.find(NS + "polyline").get("points").split()
    ]
    left, right, top, bottom = 50, 20, 36, 40
    assert pts[0] == pytest.approx((left, 260 - bottom))  # min at the bottom-left
    assert pts[-1] == pytest.approx((640 - right, top))  # max at the top-right
    assert pts[1][1] == pytest.approx((top + 260 - bottom) / 2)
    axis_labels = texts(root)
    assert "30" in axis_labels and "10" in axis_labels
    assert "纵轴不从 0 开始" in axis_labels  # a cut axis says so


def test_the_axis_starts_at_zero_by_default():
    """The report's trend (82 → 89.6 on a 0–100 score) is not drawn as a cliff: the axis runs from
    0 to 100, so the 7.6-point drift spans 7.6 % of the plot's height."""
    root = parse(svg.line_chart("t", ["1", "2"], [82.0, 89.6], top=100))
    ys = [float(c.get("cy")) for c in root.iter(NS + "circle")]
    plot = 260 - 40 - 36
    assert ys[0] - ys[1] == pytest.approx(plot * 0.076, abs=0.1)
    assert ys[1] == pytest.approx(36 + plot * (1 - 0.896), abs=0.1)
    labels = texts(root)
    assert {"0", "25", "50", "75", "100"} <= set(labels)
    assert "纵轴不从 0 开始" not in labels
    # without a top, a round number above the largest value
    labels = texts(parse(svg.line_chart("t", ["1", "2"], [3.0, 7.3])))
    assert "0" in labels and "10" in labels
    assert svg.nice_ceiling(7.3) == 10 and svg.nice_ceiling(120) == 200
    assert svg.nice_ceiling(0.18) == 0.2 and svg.nice_ceiling(25) == 25


def test_a_flat_line_is_drawn_at_its_height_above_zero():
    root = parse(svg.line_chart("t", ["1", "2"], [5.0, 5.0]))
    ys = [float(c.get("cy")) for c in root.iter(NS + "circle")]
    assert ys == pytest.approx([36] * 2)  # 5 is the top of a 0–5 axis
    root = parse(svg.line_chart("t", ["1", "2"], [5.0, 5.0], from_zero=False))
    ys = [float(c.get("cy")) for c in root.iter(NS + "circle")]
    assert ys == pytest.approx([(36 + 260 - 40) / 2] * 2)  # widened by ±1


@given(
    st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=1e4)), min_size=1, max_size=12)
)
def test_charts_are_always_well_formed_and_inside_the_canvas(values):
    labels = [f"L{i}" for i in range(len(values))]
    bar = parse(svg.bar_chart("t", labels, values))
    width = float(bar.get("width"))
    for rect in bar.iter(NS + "rect"):
        assert 150 + float(rect.get("width")) <= width - 70 + 1e-6
    line = parse(svg.line_chart("t", labels, values))
    for c in line.iter(NS + "circle"):
        assert 36 - 1e-6 <= float(c.get("cy")) <= 260 - 40 + 1e-6
        assert 50 - 1e-6 <= float(c.get("cx")) <= 640 - 20 + 1e-6
    assert len(list(line.iter(NS + "circle"))) == sum(v is not None for v in values)
