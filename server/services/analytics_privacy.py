"""Only counts, and no count of a small group: the rules every analytics answer passes through.

1. **Counts, never who.** The stores answer numbers; nothing here or in the
   analytics service carries a viewer's id out.
2. **Small groups.** Every count of people (a reach, the viewers of a day,
   the running total, a department's viewers or active people) is shown
   only where it is at least ``[analytics] min_group_size``; a smaller one,
   zero included, is a ``Cell`` with ``count`` None and ``fewer_than`` the
   threshold (CSV: ``<5``, text: "fewer than 5"). Zero is hidden too:
   "0" next to "fewer than 5" would tell whether the one possible reader
   read.
3. **Every department listed.** A breakdown lists every department, and
   the "no department" group, whether anyone in it read or not; so a
   hidden cell says only "fewer than 5", never "someone in legal read".
4. **No differencing.** The total minus the shown cells is what the hidden
   cells hold together. While that sum is between 1 and the threshold,
   the smallest shown cell is hidden too (complementary suppression),
   until the hidden cells hold at least the threshold together (or none
   is left to hide). Two hidden cells of one reader each are therefore
   never derivable as "two, one in each".
5. **No differencing by period.** Department breakdowns are always taken
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

    @property
    def text(self) -> str:
        return str(self.count) if self.count is not None else f"fewer than {self.fewer_than}"

    @property
    def hidden(self) -> bool:
        return self.count is None

    def json(self) -> dict[str, int | None]:
        return {"count": self.count, **({"fewer_than": self.fewer_than} if self.fewer_than is not None else {})}


def suppressed(counts: Mapping[K, int], min_size: int) -> dict[K, Cell]:
    """Rules 2 and 4: every key of ``counts`` as a ``Cell``, small ones (and partners while needed) hidden.

    ``counts`` holds every group of the breakdown, empty ones as 0 (rule 3).
    """
    hidden = {key for key, count in counts.items() if count < min_size}
    shown = sorted((key for key in counts if key not in hidden), key=lambda key: counts[key])
    while shown and 0 < sum(counts[key] for key in hidden) < min_size:
        hidden.add(shown.pop(0))
    return {key: Cell(None, min_size) if key in hidden else Cell(count) for key, count in counts.items()}


def one_cell(count: int, min_size: int) -> Cell:
    """A single count of people (a reach, a day's viewers, active members): hidden below the threshold, 0 too."""
    return Cell(count) if count >= min_size else Cell(None, min_size)
