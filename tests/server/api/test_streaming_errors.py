"""Streaming: who may open a stream, and Mastodon's answers to those who may not."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.curation import RepliesPolicy
from tests.server.api.stream_helpers import account_id, token_for
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio


async def test_health_answers_anonymously(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        response = await client.get("/api/v1/streaming/health")
        assert response.status_code == 200 and response.text == "OK"
        assert response.headers["content-type"].startswith("text/plain")


async def test_no_stream_opens_without_a_staff_users_token(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        app_only = await token_for(app, None, "read")
        cases = [
            ({}, "Missing access token"),
            (bearer("not-a-token"), "Invalid access token"),
            (bearer(app_only), "Invalid access token"),
        ]
        for headers, message in cases:
            for path in ("public", "public/local", "hashtag?tag=x", "user"):
                response = await client.get(f"/api/v1/streaming/{path}", headers=headers)
                assert response.status_code == 401, (path, response.text)
                assert response.json() == {"error": message}


async def test_a_disabled_users_token_is_refused(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        token = await staff_token(app, "leaver")
        services = app.state.insideout.services
        await services.offboarding.depart((await services.accounts.employee("leaver")).account.id, actor="test")
        response = await client.get("/api/v1/streaming/public", params={"access_token": token})
        assert response.status_code == 401


async def test_channel_and_parameter_errors_are_mastodons(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        await staff_token(app, "bob")
        bob_id = await account_id(app, "bob")
        bobs_list = await app.state.insideout.storage.lists.create(bob_id, "mine", RepliesPolicy.LIST, False)
        cases = [
            ("/api/v1/streaming/nothing", 400, "Unknown channel requested"),
            ("/api/v1/streaming/hashtag", 400, "Missing tag name parameter"),
            ("/api/v1/streaming/hashtag/local?tag=", 400, "Missing tag name parameter"),
            ("/api/v1/streaming/list", 400, "Missing list name parameter"),
            (f"/api/v1/streaming/list?list={bobs_list.id}", 401, "Not authorized to stream this list"),
            ("/api/v1/streaming/list?list=abc", 401, "Not authorized to stream this list"),
        ]
        for url, status, message in cases:
            response = await client.get(url, headers=alice)
            assert (response.status_code, response.json()) == (status, {"error": message}), url


async def test_scopes_are_checked_per_channel(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        await staff_token(app, "alice")
        alice_id = await account_id(app, "alice")
        write_only = bearer(await token_for(app, alice_id, "write"))
        statuses_only = bearer(await token_for(app, alice_id, "read:statuses"))
        for path in ("public", "user", "hashtag?tag=x", "user/notification"):
            response = await client.get(f"/api/v1/streaming/{path}", headers=write_only)
            assert response.status_code == 401
            assert response.json() == {"error": "Access token does not have the required scopes"}
        response = await client.get("/api/v1/streaming/user/notification", headers=statuses_only)
        assert response.status_code == 401
