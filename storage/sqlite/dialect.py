"""SQLite's spelling of the fragments the shared stores ask their dialect for."""

from __future__ import annotations

from storage.sql.dialect import Dialect

SQLITE = Dialect(
    name="sqlite",
    skip_locked="",
    for_update="",
    json_int_elements="(SELECT value FROM json_each(?))",
    json_array_length="json_array_length({})",
    greatest="max",
    least="min",
)
