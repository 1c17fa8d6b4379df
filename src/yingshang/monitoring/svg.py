"""A small SVG writer for server-side charts (reports): bar and line charts, CJK labels in
"Noto Sans CJK SC". No data is drawn as a gap with the label "无数据", never as 0."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

FONT = "Noto Sans CJK SC"


def _fmt(v):
    return _("无数据") if v is None else f"{v:.1f}"


def bar_chart(
    title: str, labels: list[str], values: list[float | None], *, width=640, bar_h=22, label_w=150
) -> str:
    n = len(labels)
    height = 40 + n * (bar_h + 6) + 10
    vals = [v for v in values if v is not None]
    top = max(vals + [1.0])
    plot_w = width - label_w - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12">',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15">{escape(title)}</text>',
    ]
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = 36 + i * (bar_h + 6)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h * 0.7}" text-anchor="end">{escape(lab)}</text>'
        )
        if v is None:
            parts.append(
                f'<text x="{label_w + 4}" y="{y + bar_h * 0.7}" fill="#999">{escape(_("无数据"))}</text>'
            )
            continue
        w = max(1.0, plot_w * max(v, 0) / top)
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#3b7dd8"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h * 0.7}">{_fmt(v)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above ``value`` (an axis top)."""
    import math

    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-9:
            return step * power
    return 10 * power  # pragma: no cover


def line_chart(
    title: str,
    labels: list[str],
    values: list[float | None],
    *,
    width=640,
    height=260,
    top: float | None = None,
    from_zero: bool = True,
) -> str:
    """A line chart whose value axis starts at zero (``from_zero``; a chart that does not says so
    under its title) and ends at ``top`` or a round number above the largest value; the axis
    has five labelled gridlines."""
    left, right, top_m, bottom = 50, 20, 36, 40
    pw, ph = width - left - right, height - top_m - bottom
    vals = [v for v in values if v is not None]
    if from_zero:
        lo = min([0.0, *vals])
        hi = (
            top
            if top is not None and all(v <= top for v in vals)
            else nice_ceiling(max(vals + [0.0]))
        )
    else:
        lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    n = max(len(labels) - 1, 1)

    def xy(i, v):
        return left + pw * i / n, top_m + ph * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top_m + ph}" x2="{left + pw}" y2="{top_m + ph}" stroke="#888"/>',
    ]
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        y = top_m + ph * (1 - k / 4)
        if k:
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>'
            )
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
    if not from_zero:
        parts.append(
            f'<text x="{width / 2}" y="32" text-anchor="middle" font-size="10" fill="#b00">'
            f"{escape(_('纵轴不从 0 开始'))}</text>"
        )
    segment: list[str] = []
    for i, v in enumerate(values):
        x = left + pw * i / n
        parts.append(
            f'<text x="{x:.1f}" y="{height - 18}" text-anchor="middle">{escape(labels[i])}</text>'
        )
        if v is None:
            if len(segment) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="#d9534f" stroke-width="2" points="{" ".join(segment)}"/>'
                )
            segment = []
            continue
        px, py = xy(i, v)
        segment.append(f"{px:.1f},{py:.1f}")
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="#d9534f"/>')
    if len(segment) > 1:
        parts.append(
            f'<polyline fill="none" stroke="#d9534f" stroke-width="2" points="{" ".join(segment)}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
