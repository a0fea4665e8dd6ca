"""A bar chart of outside engagement per month, as plain data for an inline SVG (no script, no library).

Each month is one stacked bar: replies, likes, boosts. Heights are
scaled to the tallest month; the template draws the rectangles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.services.engagement import Group

WIDTH = 640
HEIGHT = 200
AXIS = 24
"""Room under the bars for the month labels."""
BAR_GAP = 8


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str
    y: float
    height: float
    count: int


@dataclass(frozen=True, slots=True)
class Bar:
    month: str
    x: float
    width: float
    total: int
    segments: Sequence[Segment]
    hidden: str = ""
    """A hidden count's text ("fewer than 5"), drawn with no height and shown instead of ``total``."""


def month_bars(groups: Sequence[Group]) -> list[Bar]:
    """``groups`` are the month groups of ``engagement(..., Grouping.MONTH)``, oldest first."""
    if not groups:
        return []
    peak = max(g.totals.total for g in groups) or 1
    slot = WIDTH / len(groups)
    width = max(slot - BAR_GAP, 2.0)
    usable = HEIGHT - AXIS
    bars = []
    for index, group in enumerate(groups):
        top = float(usable)
        segments = []
        for kind, count in (("replies", group.totals.replies), ("likes", group.totals.favourites),
                            ("boosts", group.totals.reblogs)):
            height = usable * count / peak
            top -= height
            segments.append(Segment(kind, round(top, 2), round(height, 2), count))
        bars.append(Bar(str(group.key), round(index * slot + BAR_GAP / 2, 2), round(width, 2), group.totals.total,
                        segments))
    return bars


def series_bars(points: Sequence[tuple[str, int | str]], kind: str = "count") -> list[Bar]:
    """One plain bar per ``(label, count)``, oldest first (analytics: reach per day, active staff per week).

    A count given as text is hidden (``"fewer than 5"``): its bar has no height and says only that text.
    """
    if not points:
        return []
    peak = max((count for _, count in points if isinstance(count, int)), default=0) or 1
    slot = WIDTH / len(points)
    width = max(slot - BAR_GAP, 2.0)
    usable = HEIGHT - AXIS
    bars = []
    for index, (label, value) in enumerate(points):
        count = value if isinstance(value, int) else 0
        height = usable * count / peak
        segment = Segment(kind, round(usable - height, 2), round(height, 2), count)
        bars.append(Bar(label, round(index * slot + BAR_GAP / 2, 2), round(width, 2), count, (segment,),
                        "" if isinstance(value, int) else value))
    return bars
