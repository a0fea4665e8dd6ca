"""Keyset pagination over snowflake ids, the way Mastodon pages every timeline."""

from __future__ import annotations

from typing import Any

from storage.models import Page


def page_clause(column: str, page: Page) -> tuple[str, list[Any], str]:
    where, named, order = named_page_clause(column, page)
    return where.replace(":page_upper", "?").replace(":page_lower", "?"), list(named.values()), order


def named_page_clause(column: str, page: Page) -> tuple[str, dict[str, Any], str]:
    """SQL conditions, their parameters and the ORDER BY for ``page``.

    ``min_id`` reads the oldest items just above it (ascending), so that a
    client catching up never skips anything; callers reverse those rows to
    keep newest-first order.
    """
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if page.max_id is not None:
        conditions.append(f"{column} < :page_upper")
        params["page_upper"] = page.max_id
    lower = page.min_id if page.min_id is not None else page.since_id
    if lower is not None:
        conditions.append(f"{column} > :page_lower")
        params["page_lower"] = lower
    order = "ASC" if page.min_id is not None else "DESC"
    return (" AND ".join(conditions) or "1 = 1"), params, f"ORDER BY {column} {order} LIMIT {int(page.limit)}"


def newest_first(ids: list[int], page: Page) -> list[int]:
    return list(reversed(ids)) if page.min_id is not None else ids
