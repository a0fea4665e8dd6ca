"""``POST /api/v1/apps``: Mastodon 4.3's Application entity, and its validation."""

from __future__ import annotations

import pytest

from server.services.vapid_key import VAPID_META_KEY
from tests.server.mastodon.oauth_helpers import OOB, Served, served

pytestmark = pytest.mark.anyio
__all__ = ["served"]


async def test_registration_answers_every_field(served: Served) -> None:
    answer = await served.client.post("/api/v1/apps", data={
        "client_name": "Tusky", "redirect_uris": "tusky://oauth\nurn:ietf:wg:oauth:2.0:oob",
        "website": "https://tusky.app", "scopes": "read write follow push"})  # fmt: skip

    body = answer.json()
    assert set(body) == {"id", "name", "website", "scopes", "redirect_uri", "redirect_uris", "client_id",
                         "client_secret", "client_secret_expires_at", "vapid_key"}  # fmt: skip
    assert isinstance(body["id"], str) and body["scopes"] == ["read", "write", "follow", "push"]
    assert body["redirect_uris"] == ["tusky://oauth", OOB] and body["redirect_uri"] == f"tusky://oauth\n{OOB}"
    assert body["client_secret_expires_at"] == 0 and len(body["client_secret"]) >= 43


async def test_json_array_of_redirect_uris_and_default_scope(served: Served) -> None:
    answer = await served.client.post("/api/v1/apps", json={"client_name": "Elk",
                                      "redirect_uris": ["https://elk.zone/cb", "com.example.app:/oauth"]})  # fmt: skip
    assert answer.status_code == 200
    assert answer.json()["redirect_uris"] == ["https://elk.zone/cb", "com.example.app:/oauth"]
    assert answer.json()["scopes"] == ["read"]


async def test_multipart_registration(served: Served) -> None:
    answer = await served.client.post("/api/v1/apps", files={"x": ("", b"")},
                                      data={"client_name": "Multi", "redirect_uris": OOB})  # fmt: skip
    assert answer.status_code == 200 and answer.json()["name"] == "Multi"


async def test_the_vapid_key_is_made_once_and_shared(served: Served) -> None:
    first = await served.client.post("/api/v1/apps", data={"client_name": "A", "redirect_uris": OOB})
    second = await served.client.post("/api/v1/apps", data={"client_name": "B", "redirect_uris": OOB})
    assert first.json()["vapid_key"] == second.json()["vapid_key"]
    assert await served.storage.instance.get_meta(VAPID_META_KEY)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"redirect_uris": OOB}, "Validation failed: Application name can't be blank"),
        ({"client_name": "x"}, "Validation failed: Redirect URI can't be blank"),
        ({"client_name": "x", "redirect_uris": "/relative"}, "Validation failed: Redirect URI must be an absolute URI."),
        ({"client_name": "x", "redirect_uris": "javascript:alert(1)"},
         "Validation failed: Redirect URI is forbidden by the server."),
        ({"client_name": "x", "redirect_uris": "https://a.example/cb#frag"},
         "Validation failed: Redirect URI cannot contain a fragment."),
        ({"client_name": "x", "redirect_uris": OOB, "scopes": "read fly"},
         "Validation failed: Scopes doesn't match configured on the server."),
        ({"client_name": "x" * 61, "redirect_uris": OOB},
         "Validation failed: Application name is too long (maximum is 60 characters)"),
        ({"client_name": "x", "redirect_uris": OOB, "website": "not a url"}, "Validation failed: Website is invalid"),
    ],
)  # fmt: skip
async def test_invalid_registrations_are_422(served: Served, data: dict[str, str], message: str) -> None:
    answer = await served.client.post("/api/v1/apps", data=data)
    assert answer.status_code == 422 and answer.json() == {"error": message}


async def test_malformed_json_is_400(served: Served) -> None:
    answer = await served.client.post("/api/v1/apps", content=b"{", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
