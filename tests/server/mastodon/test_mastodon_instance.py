"""The anonymous instance endpoints, the well-known OAuth metadata, and the placeholder images."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.edge.version import VERSION
from server.mastodon.instance import HIDDEN_PATHS
from storage.models import ProfileChanges
from tests.server.helpers import app_for, serving, settings_for

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="https://social.example",
                            INSIDEOUT_ORGANIZATION_NAME="Example Corp", INSIDEOUT_MEDIA_MAX_IMAGE_BYTES="1048576")  # fmt: skip
    async with serving(app_for(settings)) as served:
        yield served


async def test_v2_instance_has_mastodon_43_shape_and_reveals_nothing(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v2/instance")).json()

    assert set(body) == {"domain", "title", "version", "source_url", "description", "usage", "thumbnail", "icon",
                         "languages", "configuration", "registrations", "api_versions", "contact", "rules"}  # fmt: skip
    assert (body["domain"], body["title"], body["version"]) == ("social.example", "Example Corp", VERSION)
    assert body["usage"] == {"users": {"active_month": 0}} and body["api_versions"] == {"mastodon": 2}
    configuration = body["configuration"]
    assert configuration["urls"]["streaming"] == "wss://social.example"
    assert configuration["media_attachments"]["image_size_limit"] == 1048576
    assert configuration["media_attachments"]["video_size_limit"] == 0
    assert configuration["polls"] == {"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300,
                                      "max_expiration": 2629746}  # fmt: skip
    assert configuration["accounts"]["max_pinned_statuses"] == 5 and configuration["vapid"]["public_key"]
    assert configuration["accounts"]["max_featured_tags"] == 10
    assert (configuration["accounts"]["max_display_name_length"], configuration["accounts"]["max_note_length"]) == (30, 500)
    assert body["registrations"]["enabled"] is False
    contact = body["contact"]["account"]
    assert contact["username"] == "company" and contact["followers_count"] == 0 and contact["group"] is False


async def test_v1_instance_has_the_legacy_shape(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/instance")).json()

    assert body["uri"] == "social.example" and body["urls"] == {"streaming_api": "wss://social.example"}
    assert body["stats"] == {"user_count": 0, "status_count": 0, "domain_count": 0}
    assert body["registrations"] is False and body["contact_account"]["acct"] == "company"
    assert body["configuration"]["statuses"]["max_characters"] == 500
    assert "description_limit" not in body["configuration"]["media_attachments"]


async def test_the_contact_shows_the_public_bio_only(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as served:
        storage = app.state.insideout.storage
        company = await storage.accounts.get_local("company")
        assert company is not None
        await storage.accounts.update_profile(company.id, ProfileChanges(note="secret roadmap", public_note="Hello"))
        body = (await served.get("/api/v2/instance")).json()
    assert body["contact"]["account"]["note"] == "<p>Hello</p>"


async def test_rules_are_an_empty_list_for_anyone(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/instance/rules")
    assert answer.status_code == 200 and answer.json() == []


async def test_custom_emojis_need_a_staff_token(client: httpx.AsyncClient) -> None:
    """Not on docs/design.md's anonymous list: emoji appear outside only inside published posts."""
    answer = await client.get("/api/v1/custom_emojis")
    assert answer.status_code == 401 and "error" in answer.json()


@pytest.mark.parametrize("path", HIDDEN_PATHS)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_hidden_endpoints_answer_like_a_missing_route(client: httpx.AsyncClient, path: str, method: str) -> None:
    hidden = await client.request(method, path)
    missing = await client.request(method, "/api/v1/never-existed")
    assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content) == (404, missing.content)
    assert hidden.json() == {"error": "Record not found"}


async def test_oauth_metadata(client: httpx.AsyncClient) -> None:
    body = (await client.get("/.well-known/oauth-authorization-server")).json()

    assert body["issuer"] == "https://social.example/"
    assert body["authorization_endpoint"] == "https://social.example/oauth/authorize"
    assert body["token_endpoint"] == "https://social.example/oauth/token"
    assert body["revocation_endpoint"] == "https://social.example/oauth/revoke"
    assert body["app_registration_endpoint"] == "https://social.example/api/v1/apps"
    assert body["code_challenge_methods_supported"] == ["S256"] and body["response_types_supported"] == ["code"]
    assert body["grant_types_supported"] == ["authorization_code", "password", "client_credentials"]
    assert set(body["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}
    assert {"read", "write", "push", "profile", "read:statuses"} <= set(body["scopes_supported"])


@pytest.mark.parametrize("path", ["/avatars/original/missing.png", "/headers/original/missing.png"])
async def test_placeholder_images_are_pngs(client: httpx.AsyncClient, path: str) -> None:
    from io import BytesIO

    from PIL import Image

    answer = await client.get(path)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    with Image.open(BytesIO(answer.content)) as image:
        image.verify()
