"""Only counts, and no count of a small group: the rules every analytics answer passes through.

1. **Counts, never who.** The stores answer numbers; nothing here or in the
   analytics service carries a viewer's id out.
2. **Small groups.** A breakdown (viewers or active people per department)
   shows a count only where it is at least ``[analytics] min_group_size``;
   a smaller, non-zero cell is a ``Cell`` with ``count`` None and
   ``fewer_than`` the threshold (CSV: ``<5``). Empty cells are left out.
3. **No differencing.** When exactly one cell of a breakdown is hidden,
   the smallest shown cell is hidden too (complementary suppression), so
   the total minus the shown cells never pins one small group. The "no
   department" group is a cell like any other.
4. **No differencing by period.** Department breakdowns are always taken
   over the whole life of what they describe, never over ``since``/``until``,
   so two overlapping periods cannot be subtracted to find who read on
   the day between them. Adoption (and a department's active members) is
   counted over whole ISO weeks, so its periods differ by a week at least.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Cell:
    """A count of people that may be shown, or only that it is under ``fewer_than``."""

    count: int | None
    fewer_than: int | None = None

    @property
    def csv(self) -> str:
        return str(self.count) if self.count is not None else f"<{self.fewer_than}"

    def json(self) -> dict[str, int | None]:
        return {"count": self.count, **({"fewer_than": self.fewer_than} if self.fewer_than is not None else {})}


def suppressed(counts: Mapping[K, int], min_size: int) -> dict[K, Cell]:
    """Rules 2 and 3: each non-zero count as a ``Cell``, small ones (and one partner if needed) hidden."""
    shown = {key: count for key, count in counts.items() if count > 0}
    hidden = {key for key, count in shown.items() if count < min_size}
    if len(hidden) == 1 and len(shown) > 1:
        partner = min((key for key in shown if key not in hidden), key=lambda key: shown[key])
        hidden.add(partner)
    return {key: Cell(None, min_size) if key in hidden else Cell(count) for key, count in shown.items()}


def one_cell(count: int, min_size: int) -> Cell:
    """A single count about a group of people (a department's active members): hidden below the threshold."""
    return Cell(count) if count == 0 or count >= min_size else Cell(None, min_size)
