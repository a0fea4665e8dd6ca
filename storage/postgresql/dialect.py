"""PostgreSQL's spelling of the fragments the shared stores ask their dialect for."""

from __future__ import annotations

from storage.sql.dialect import Dialect

POSTGRESQL = Dialect(
    name="postgresql",
    skip_locked="FOR UPDATE SKIP LOCKED",
    for_update="FOR UPDATE",
    json_int_elements="(SELECT value::bigint FROM json_array_elements_text(?::json) AS value)",
    json_array_length="json_array_length({}::json)",
    greatest="GREATEST",
    least="LEAST",
)
