"""The few places where SQLite and PostgreSQL SQL differ, named once.

Stores are written in the subset both engines share; where they can't be,
they ask their database's dialect for the fragment.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    # Locks the rows a claim subquery picks and skips rows another worker holds.
    skip_locked: str
    # Locks the rows a read-modify-write reads (SQLite's single writer needs nothing).
    for_update: str
    # Rows of a JSON array bound as one parameter, as a column named ``value``.
    json_int_elements: str
    json_array_length: str
    # The larger of two values (SQLite's two-argument max()).
    greatest: str
    # The smaller of two values (SQLite's two-argument min()).
    least: str

    def elements(self) -> str:
        return self.json_int_elements

    def array_length(self, expression: str) -> str:
        return self.json_array_length.format(expression)

    def larger(self, left: str, right: str) -> str:
        return f"{self.greatest}({left}, {right})"

    def smaller(self, left: str, right: str) -> str:
        return f"{self.least}({left}, {right})"
