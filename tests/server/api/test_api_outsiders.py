"""Every /api route, walked as an outsider (no token, and an app-only token): nothing internal answers.

Only the routes docs/design.md lists may answer an outsider; their counts are
zero. Trends answer an empty list, as an empty server's do. Everything else
answers 401 (or 404 for the routes Mastodon has but we hide from non-staff),
and no answer carries internal content.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import Route

from server.mastodon.auth import digest_token, new_token
from server.services.statuses import StatusDraft
from storage.models import Visibility
from tests.server.helpers import app_for, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio

CANARY = "CANARY-internal-5b1e"
ANONYMOUS_OK = {
    "/api/v1/apps", "/api/v1/instance", "/api/v2/instance", "/api/v1/instance/rules",
    "/api/v1/streaming/health", "/api/v1/apps/verify_credentials",
}
EMPTY_FOR_OUTSIDERS = {"/api/v1/trends", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links"}
PARAM = re.compile(r"{([a-z_]+)(?::[a-z]+)?}")


def fill(path: str, ids: dict[str, str]) -> str:
    return PARAM.sub(lambda m: ids.get(m.group(1), ids["id"]), path)


async def test_outsiders_get_nothing_internal_from_any_api_route(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        await staff_token(app, "alice")
        state = app.state.insideout
        alice = await state.storage.accounts.get_local("alice")
        assert alice is not None
        status = await state.services.statuses.create(
            alice, StatusDraft(text=f"{CANARY} #secret", visibility=Visibility.PUBLIC)
        )
        app_only = new_token()
        await state.storage.tokens.create_access_token(digest_token(app_only), None, None, ["read", "write"])
        ids = {"id": str(status.id), "account_id": str(alice.id), "hashtag": "secret", "name": "secret",
               "token": "x", "list_id": "1"}
        walked = 0
        wrong: list[str] = []
        for route in app.routes:
            if not isinstance(route, Route) or not route.path.startswith("/api"):
                continue
            path = fill(route.path, ids)
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                for headers in ({}, {"Authorization": f"Bearer {app_only}"}):
                    response = await client.request(method, path, headers=headers)
                    walked += 1
                    assert CANARY not in response.text, f"{method} {path} leaked internal content"
                    assert "alice" not in response.text, f"{method} {path} named an internal account"
                    if route.path in ANONYMOUS_OK:
                        continue
                    if route.path in EMPTY_FOR_OUTSIDERS:
                        assert (response.status_code, response.json()) == (200, []), f"{method} {path}"
                        continue
                    if response.status_code not in (401, 404, 405) or "error" not in response.json():
                        wrong.append(f"{method} {path} {response.status_code}: {response.text[:120]}")
        assert walked > 100
        assert not wrong, "outsiders got answers:\n" + "\n".join(wrong)


async def test_instance_answers_outsiders_with_zero_counts(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        await staff_token(app, "alice")
        v1 = (await client.get("/api/v1/instance")).json()
        v2 = (await client.get("/api/v2/instance")).json()
    assert v1["stats"] == {"user_count": 0, "status_count": 0, "domain_count": 0}
    assert v2["usage"]["users"]["active_month"] == 0
    assert v2["contact"]["account"]["username"] == "company"
