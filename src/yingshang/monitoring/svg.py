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


def line_chart(
    title: str, labels: list[str], values: list[float | None], *, width=640, height=260
) -> str:
    left, right, top_m, bottom = 50, 20, 36, 40
    pw, ph = width - left - right, height - top_m - bottom
    vals = [v for v in values if v is not None]
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
        f'<text x="{left - 4}" y="{top_m + 4}" text-anchor="end">{hi:.1f}</text>',
        f'<text x="{left - 4}" y="{top_m + ph}" text-anchor="end">{lo:.1f}</text>',
    ]
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
