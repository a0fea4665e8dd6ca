"""The engagement report's rows, as the admin API's CSV and the admin pages' download both write them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from server.edge.dates import format_optional_datetime
from server.services.engagement import CSV_COUNTS, Engagement, Group, Grouping, Tally, tally_cells
from storage.models import Account

Entity = dict[str, Any]


def key_fields(result: Engagement, group: Group, accounts: dict[int, Account]) -> Entity:
    if result.grouping is Grouping.POST:
        post = result.posts[int(str(group.key))]
        author = accounts.get(post.account_id)
        return {"status_id": str(post.status_id), "uri": post.uri, "author": author.acct if author else None,
                "state": post.state, "published_at": format_optional_datetime(post.published_at)}
    if result.grouping is Grouping.DEPARTMENT:
        department = accounts.get(int(str(group.key)))
        return {"department_id": str(group.key), "department": department.acct if department else None,
                "name": department.display_name if department else None, "posts": len(group.posts)}
    return {"month": str(group.key)}


def engagement_rows(result: Engagement, accounts: dict[int, Account]) -> Iterator[list[object]]:
    for group in result.groups:
        keys = list(key_fields(result, group, accounts).values())
        if not group.domains:
            yield [*keys, "", *tally_cells(Tally())]
        for domain, tally in sorted(group.domains.items()):
            yield [*keys, domain, *tally_cells(tally)]


def engagement_header(grouping: Grouping) -> list[str]:
    keys = {Grouping.POST: ["status_id", "uri", "author", "state", "published_at"],
            Grouping.DEPARTMENT: ["department_id", "department", "name", "posts"], Grouping.MONTH: ["month"]}[grouping]
    return [*keys, "domain", *CSV_COUNTS]
