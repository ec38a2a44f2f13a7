"""Server-side SVG charts: horizontal bars with their labels and values, no JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bar_chart"]

_ROW = 26
_LABEL_WIDTH = 190
_VALUE_WIDTH = 110


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    *,
    width: int = 640,
    color: str = "#3a6ea5",
) -> str:
    """An SVG bar chart of ``rows`` (label, value, value shown as text), largest bar full width.

    Returns the ``<svg>`` element as text, labels escaped; an empty chart says so."""
    height = 40 + _ROW * max(len(rows), 1)
    bar_space = width - _LABEL_WIDTH - _VALUE_WIDTH
    top = max((value for _, value, _ in rows), default=0.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    if not rows:
        parts.append('<text x="0" y="50" font-size="13" fill="#666">nothing to show</text>')
    for index, (label, value, shown) in enumerate(rows):
        y = 32 + index * _ROW
        length = 0.0 if top <= 0 else max(bar_space * value / top, 1.0)
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 16}" font-size="13" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{_LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" height="{_ROW - 8}" '
            f'fill="{color}"/>'
        )
        parts.append(
            f'<text x="{_LABEL_WIDTH + length + 6:.1f}" y="{y + 16}" '
            f'font-size="13">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
