"""Turn the stores' shared SQL (SQLite's ``?`` and ``:name`` parameters) into psycopg's.

The stores speak the subset of SQL both engines understand; what differs in
spelling only is translated here once per statement text and cached:
placeholders, a literal ``%`` (psycopg's escape) and ``INSERT OR IGNORE``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from activitypub.errors import StorageError

_INSERT_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_NAME_START = re.compile(r"[A-Za-z_]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    out: list[str] = []
    i, length = 0, len(sql)
    while i < length:
        char = sql[i]
        if char in ("'", '"'):
            end = _quoted_end(sql, i)
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif char == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = length if end == -1 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif char == "?":
            out.append("%s")
            i += 1
        elif char == "%":
            out.append("%%")
            i += 1
        elif char == ":" and sql.startswith("::", i):
            out.append("::")
            i += 2
        elif char == ":" and i + 1 < length and _NAME_START.match(sql[i + 1]):
            match = _NAME.match(sql, i + 1)
            if match is None:  # unreachable while _NAME_START is _NAME's first character class
                raise StorageError("Cannot translate a statement", detail=f"no parameter name at {i}: {sql!r}")
            out.append(f"%({match.group(0)})s")
            i = match.end()
        else:
            out.append(char)
            i += 1
    return _on_conflict("".join(out))


def _quoted_end(sql: str, start: int) -> int:
    quote = sql[start]
    i = start + 1
    while i < len(sql):
        if sql[i] == quote:
            if sql.startswith(quote * 2, i):
                i += 2
                continue
            return i + 1
        i += 1
    return len(sql)


def _on_conflict(sql: str) -> str:
    """``INSERT OR IGNORE INTO`` is ``INSERT INTO ... ON CONFLICT DO NOTHING`` in PostgreSQL."""
    if not _INSERT_OR_IGNORE.match(sql):
        return sql
    sql = _INSERT_OR_IGNORE.sub("INSERT INTO", sql, count=1)
    returning = _RETURNING.search(sql)
    if returning:
        return sql[: returning.start()] + "ON CONFLICT DO NOTHING " + sql[returning.start():]
    return sql.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
