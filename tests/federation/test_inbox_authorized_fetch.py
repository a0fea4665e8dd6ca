"""Authorized fetch: with the setting on, ActivityPub GETs need a signature from an allowed actor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.models import AccountKind, NewAccount
from tests.federation.inbound_helpers import RemoteServer, fixture_actor, inbox_app, key_id_of, signed_headers

pytestmark = pytest.mark.anyio

MASTODON = fixture_actor("mastodon/actor-person")
KEY_ID = key_id_of(MASTODON)
AP = {"Accept": "application/activity+json"}
ON = {"INSIDEOUT_FEDERATION_AUTHORIZED_FETCH": "true"}


@pytest.fixture
def remote() -> RemoteServer:
    server = RemoteServer()
    server.serve_actor(MASTODON)
    return server


def signed_get(path: str, key_id: str = KEY_ID) -> dict[str, str]:
    headers = signed_headers(path, b"", key_id, method="GET")
    headers.pop("Content-Type")
    return {**headers, **AP}


def shape(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    return response.status_code, response.content, sorted(
        (k, v) for k, v in response.headers.items() if k != "x-request-id"
    )


async def add_hidden_employee(storage: Any) -> None:
    await storage.accounts.create_local(NewAccount(AccountKind.EMPLOYEE, "hidden", "Hidden", "pub", "priv"))


async def test_without_the_setting_documents_are_served_unsigned(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.client.get("/users/company", headers=AP)
    assert response.status_code == 200


async def test_unsigned_fetches_are_refused_alike_for_hidden_missing_and_exposed_actors(
    tmp_path: Path, remote: RemoteServer
) -> None:
    async with inbox_app(tmp_path, remote, **ON) as harness:
        await add_hidden_employee(harness.storage)
        exposed = await harness.client.get("/users/company", headers=AP)
        hidden = await harness.client.get("/users/hidden", headers=AP)
        missing = await harness.client.get("/users/nobody", headers=AP)
    assert exposed.status_code == 401
    assert shape(hidden) == shape(missing) == shape(exposed)
    assert remote.requests == []


async def test_a_signed_fetch_gets_the_document_and_hidden_still_equals_missing(
    tmp_path: Path, remote: RemoteServer
) -> None:
    async with inbox_app(tmp_path, remote, **ON) as harness:
        await add_hidden_employee(harness.storage)
        exposed = await harness.client.get("/users/company", headers=signed_get("/users/company"))
        hidden = await harness.client.get("/users/hidden", headers=signed_get("/users/hidden"))
        missing = await harness.client.get("/users/nobody", headers=signed_get("/users/nobody"))
    assert exposed.status_code == 200 and exposed.json()["preferredUsername"] == "company"
    assert hidden.status_code == 404 and shape(hidden) == shape(missing)


async def test_a_badly_signed_fetch_is_unauthorized(tmp_path: Path, remote: RemoteServer) -> None:
    headers = signed_get("/users/other")  # signed for another path
    async with inbox_app(tmp_path, remote, **ON) as harness:
        response = await harness.client.get("/users/company", headers=headers)
    assert response.status_code == 401


async def test_a_fetch_signed_from_a_blocked_domain_is_forbidden_without_fetching_its_key(
    tmp_path: Path, remote: RemoteServer
) -> None:
    env = {**ON, "INSIDEOUT_FEDERATION_BLOCKED_DOMAINS": "activitypub.academy"}
    async with inbox_app(tmp_path, remote, **env) as harness:
        response = await harness.client.get("/users/company", headers=signed_get("/users/company"))
    assert response.status_code == 403 and remote.requests == []


@pytest.mark.parametrize(
    "path",
    ["/actor", "/.well-known/webfinger?resource=acct:company@local.example", "/.well-known/host-meta",
     "/.well-known/nodeinfo", "/nodeinfo/2.0"],
)
async def test_discovery_and_the_instance_actor_stay_open(tmp_path: Path, remote: RemoteServer, path: str) -> None:
    async with inbox_app(tmp_path, remote, **ON) as harness:
        response = await harness.client.get(path, headers=AP)
    assert response.status_code not in (401, 403)


async def test_html_pages_are_not_gated(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote, **ON) as harness:
        response = await harness.client.get("/@company", headers={"Accept": "text/html"})
    assert response.status_code not in (401, 403)
