"""The shapes clients crash on: ids as strings, every documented field, RFC 3339 dates, Link headers.

Mastodon.py, masto.js, Tusky and Ivory parse ids as strings (they exceed
JavaScript's safe integers), dates with milliseconds, and page with Link.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio

RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DATE_ONLY = re.compile(r"^\d{4}-\d\d-\d\d$")
ACCOUNT_FIELDS = {
    "id", "username", "acct", "display_name", "locked", "bot", "discoverable", "group", "created_at", "note", "url",
    "uri", "avatar", "avatar_static", "header", "header_static", "followers_count", "following_count",
    "statuses_count", "last_status_at", "emojis", "fields",
}
STATUS_FIELDS = {
    "id", "uri", "url", "created_at", "account", "content", "visibility", "sensitive", "spoiler_text",
    "media_attachments", "application", "mentions", "tags", "emojis", "reblogs_count", "favourites_count",
    "replies_count", "reblog", "poll", "card", "language", "text", "edited_at", "in_reply_to_id",
    "in_reply_to_account_id", "favourited", "reblogged", "muted", "bookmarked", "filtered",
}
NOTIFICATION_FIELDS = {"id", "type", "created_at", "account", "status"}


def check_values(value: Any, path: str = "") -> list[str]:
    """Every id-like key holds a string (or null), every *_at key an RFC 3339 time (or a date)."""
    problems: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            if (key == "id" or key.endswith("_id")) and item is not None and not isinstance(item, str):
                problems.append(f"{where} is {type(item).__name__}, not a string")
            if key.endswith("_at") and item is not None and isinstance(item, str):
                if not (RFC3339_MS.match(item) or (key == "last_status_at" and DATE_ONLY.match(item))):
                    problems.append(f"{where} = {item!r} is not RFC 3339 with milliseconds")
            problems.extend(check_values(item, where))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.extend(check_values(item, f"{path}[{index}]"))
    return problems


async def test_entities_have_every_documented_field_and_client_safe_values(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        root = (await client.post("/api/v1/statuses", headers=alice, data={"status": "Hello @bob #shapes"})).json()
        await client.post(f"/api/v1/statuses/{root['id']}/favourite", headers=bob)
        await client.post(f"/api/v1/statuses/{root['id']}/reblog", headers=bob)
        await client.post("/api/v1/statuses", headers=bob, data={"status": "@alice hi", "in_reply_to_id": root["id"]})

        responses = {
            "status": (await client.get(f"/api/v1/statuses/{root['id']}", headers=bob)).json(),
            "home": (await client.get("/api/v1/timelines/home", headers=bob)).json(),
            "notifications": (await client.get("/api/v1/notifications", headers=alice)).json(),
            "account": (await client.get("/api/v1/accounts/verify_credentials", headers=alice)).json(),
            "context": (await client.get(f"/api/v1/statuses/{root['id']}/context", headers=alice)).json(),
        }

    assert STATUS_FIELDS <= set(responses["status"]), STATUS_FIELDS - set(responses["status"])
    assert ACCOUNT_FIELDS <= set(responses["status"]["account"])
    assert ACCOUNT_FIELDS | {"source"} <= set(responses["account"])
    boost = next(s for s in responses["home"] if s["reblog"])
    assert STATUS_FIELDS <= set(boost) and STATUS_FIELDS <= set(boost["reblog"])
    assert {n["type"] for n in responses["notifications"]} == {"favourite", "reblog", "mention"}
    for notification in responses["notifications"]:
        assert NOTIFICATION_FIELDS <= set(notification)
    problems = [problem for name, body in responses.items() for problem in check_values(body, name)]
    assert not problems, "\n".join(problems)


async def test_timelines_page_with_link_headers_next_before_prev(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="https://social.example"))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        ids = [(await client.post("/api/v1/statuses", headers=alice, data={"status": f"n{n}"})).json()["id"]
               for n in range(5)]
        page = await client.get("/api/v1/timelines/home?limit=2&local=true", headers=alice)

    link = page.headers["link"]
    assert link == (
        f'<https://social.example/api/v1/timelines/home?limit=2&local=true&max_id={ids[3]}>; rel="next", '
        f'<https://social.example/api/v1/timelines/home?limit=2&local=true&min_id={ids[4]}>; rel="prev"'
    )
