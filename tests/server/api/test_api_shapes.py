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
    "statuses_count", "last_status_at", "emojis", "fields", "feature_approval",
}
STATUS_FIELDS = {
    "id", "uri", "url", "created_at", "account", "content", "visibility", "sensitive", "spoiler_text",
    "media_attachments", "application", "mentions", "tags", "emojis", "reblogs_count", "favourites_count",
    "replies_count", "reblog", "poll", "card", "language", "text", "edited_at", "in_reply_to_id",
    "in_reply_to_account_id", "favourited", "reblogged", "muted", "bookmarked", "filtered",
    "quote", "quotes_count", "quote_approval",
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
    assert {"attribution_domains", "quote_policy"} <= set(responses["account"]["source"])
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


async def test_quotes_are_refused_and_clients_are_told_nobody_may_quote(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        root = (await client.post("/api/v1/statuses", headers=alice, data={"status": "quote me"})).json()
        secret = (await client.post("/api/v1/statuses", headers=alice,
                                    data={"status": "mine", "visibility": "direct"})).json()
        # The status says there is no quote, none quote it, and the viewer may not quote it
        assert (root["quote"], root["quotes_count"]) == (None, 0)
        assert root["quote_approval"] == {"automatic": [], "manual": [], "current_user": "denied"}
        # Quoting is refused in Mastodon's error shape, never dropped silently
        quoting = await client.post("/api/v1/statuses", headers=bob,
                                    data={"status": "look", "quoted_status_id": root["id"]})
        assert quoting.status_code == 422
        assert quoting.json() == {"error": "Validation failed: Quoting posts is not available on this server"}
        # A status's quotes are an empty list, and a status the viewer may not see is not found
        assert (await client.get(f"/api/v1/statuses/{root['id']}/quotes", headers=bob)).json() == []
        assert (await client.get(f"/api/v1/statuses/{secret['id']}/quotes", headers=bob)).status_code == 404


async def test_statuses_and_accounts_by_id_list(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        one = (await client.post("/api/v1/statuses", headers=alice, data={"status": "one"})).json()
        two = (await client.post("/api/v1/statuses", headers=alice, data={"status": "two"})).json()
        secret = (await client.post("/api/v1/statuses", headers=alice,
                                    data={"status": "mine", "visibility": "direct"})).json()
        query = f"id[]={two['id']}&id[]={secret['id']}&id[]={one['id']}&id[]=1"
        found = (await client.get(f"/api/v1/statuses?{query}", headers=bob)).json()
        assert [s["id"] for s in found] == [two["id"], one["id"]]
        alice_id = one["account"]["id"]
        accounts = (await client.get(f"/api/v1/accounts?id[]={alice_id}&id[]=1", headers=bob)).json()
        assert [a["id"] for a in accounts] == [alice_id]
        assert (await client.get(f"/api/v1/accounts?id[]={alice_id}")).status_code == 401


async def test_features_not_built_answer_empty_lists_to_staff(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        me = (await client.get("/api/v1/accounts/verify_credentials", headers=alice)).json()
        for path in (f"/api/v1/accounts/{me['id']}/endorsements", f"/api/v1/accounts/{me['id']}/identity_proofs"):
            assert (await client.get(path, headers=alice)).json() == [], path
            assert (await client.get(path)).status_code == 401, path
        assert (await client.get("/api/v1/accounts/1/endorsements", headers=alice)).status_code == 404
        assert (await client.get("/api/v1/notifications/requests/merged", headers=alice)).json() == {"merged": True}
        assert (await client.get("/api/v1/instance/translation_languages", headers=alice)).json() == {}
        assert (await client.get("/api/v1/instance/translation_languages")).status_code == 401
