"""Line and bar charts as plain SVG, drawn on the server: no script, no network, no style.

:func:`line_chart` takes key → dated values and returns an ``<svg>`` string with presentation
attributes only (the studio's Content-Security-Policy forbids inline styles), a ``<title>`` per
point for hover text, and ``role="img"`` with an accessible label. Every chart is shown beside a
table of the same numbers, so nothing is only visible as a line. :func:`bar_chart` draws
grouped horizontal bars the same way (the pilot-planning report).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from candor.measure.snapshots import Point

PALETTE = ("#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e", "#a16207")
WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 560, 220, 48, 16, 16, 40


def line_chart(title: str, lines: dict[str, list[Point]], invert: bool = False) -> str:
    """An SVG line chart of ``lines`` (key → points); ``invert`` puts small values on top
    (search positions: 1 is best)."""
    points = [p for pts in lines.values() for p in pts if p.value is not None]
    label = escape(title)
    if not points:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}: no data" '
            f'viewBox="0 0 {WIDTH} 60" width="{WIDTH}" height="60" class="chart">'
            f'<text x="8" y="34" fill="#555" font-size="13">No snapshots yet.</text></svg>'
        )
    times = sorted({p.taken_at for p in points})
    low = min(p.value for p in points)  # type: ignore[type-var]
    high = max(p.value for p in points)  # type: ignore[type-var]
    if high == low:
        low, high = low - 1 if low else 0, high + 1
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(when: datetime) -> float:
        if len(times) == 1:
            return PAD_LEFT + inner_w / 2
        span = (times[-1] - times[0]).total_seconds()
        return PAD_LEFT + inner_w * (when - times[0]).total_seconds() / span

    def y(value: float) -> float:
        share = (value - low) / (high - low)
        return PAD_TOP + inner_h * (share if invert else 1 - share)

    height = HEIGHT + 18 * ((len(lines) + 2) // 3)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" class="chart">',
        f"<title>{label}</title>",
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + inner_h}" x2="{WIDTH - PAD_RIGHT}" '
        f'y2="{PAD_TOP + inner_h}" stroke="#888"/>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{PAD_TOP + inner_h}" '
        'stroke="#888"/>',
    ]
    for value in (low, (low + high) / 2, high):
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#333">{_fmt(value)}</text>'
        )
    ends = ((times[0], "start"), (times[-1], "end")) if len(times) > 1 else ((times[0], "middle"),)
    for when, anchor in ends:
        parts.append(
            f'<text x="{x(when):.1f}" y="{PAD_TOP + inner_h + 16}" text-anchor="{anchor}" '
            f'font-size="11" fill="#333">{when:%Y-%m-%d}</text>'
        )
    for index, (key, pts) in enumerate(sorted(lines.items())):
        colour = PALETTE[index % len(PALETTE)]
        shown = [p for p in pts if p.value is not None]
        if len(shown) > 1:
            path = " ".join(f"{x(p.taken_at):.1f},{y(p.value):.1f}" for p in shown)  # type: ignore[arg-type]
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for p in shown:
            parts.append(
                f'<circle cx="{x(p.taken_at):.1f}" cy="{y(p.value):.1f}" r="3" fill="{colour}">'  # type: ignore[arg-type]
                f"<title>{escape(key)} {p.taken_at:%Y-%m-%d}: {_fmt(p.value)}</title></circle>"  # type: ignore[arg-type]
            )
        lx = PAD_LEFT + (index % 3) * (inner_w / 3)
        ly = HEIGHT + 18 * (index // 3) + 4
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14:.1f}" y="{ly}" font-size="11" fill="#222">{escape(key[:40])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def bar_chart(title: str, groups: dict[str, dict[str, float | None]]) -> str:
    """An SVG chart of horizontal bars: one row per group (label → series → value), one bar
    per series in it, a legend when there are several series. Missing values draw no bar."""
    label = escape(title)
    names = list(dict.fromkeys(s for series in groups.values() for s in series))
    values = [v for series in groups.values() for v in series.values() if v is not None]
    if not values:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}: no data" '
            f'viewBox="0 0 {WIDTH} 60" width="{WIDTH}" height="60" class="chart">'
            f'<text x="8" y="34" fill="#555" font-size="13">No data.</text></svg>'
        )
    high = max(max(values), 0) or 1
    left, bar, gap = 230, 12, 8
    inner_w = WIDTH - left - PAD_RIGHT - 40
    legend = 18 if len(names) > 1 else 0
    height = PAD_TOP + legend + len(groups) * (len(names) * bar + gap) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" class="chart">',
        f"<title>{label}</title>",
    ]
    for index, name in enumerate(names if legend else []):
        colour, lx = PALETTE[index % len(PALETTE)], PAD_LEFT + index * 160
        parts.append(
            f'<rect x="{lx}" y="{PAD_TOP - 8}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14}" y="{PAD_TOP + 1}" font-size="11" fill="#222">'
            f"{escape(name[:24])}</text>"
        )
    y = PAD_TOP + legend
    for group, series in groups.items():
        parts.append(
            f'<text x="{left - 6}" y="{y + len(names) * bar / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#222">{escape(group[:38])}</text>'
        )
        for index, name in enumerate(names):
            value = series.get(name)
            if value is not None:
                width = max(inner_w * max(value, 0) / high, 1)
                parts.append(
                    f'<rect x="{left}" y="{y}" width="{width:.1f}" height="{bar - 2}" '
                    f'fill="{PALETTE[index % len(PALETTE)]}"><title>{escape(group)} '
                    f"{escape(name)}: {_fmt(value)}</title></rect>"
                    f'<text x="{left + width + 4:.1f}" y="{y + bar - 3}" font-size="10" '
                    f'fill="#333">{_fmt(value)}</text>'
                )
            y += bar
        y += gap
    parts.append("</svg>")
    return "".join(parts)
