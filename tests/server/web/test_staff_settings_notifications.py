"""Notification settings in the web app: what each of the person's apps pushes, as the push API sees it.

Given an employee whose apps subscribed to Web Push; when they change a
subscription's alerts and policy on the settings page; then
``GET /api/v1/push/subscription`` answers the same, refused input changes
nothing, and another person's subscription answers as a missing one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from server.push.encryption import b64url_encode, public_key_bytes
from server.signin.sessions import CSRF_FIELD
from tests.server.web.staff_site import StaffSite, field_error, staff_site

pytestmark = pytest.mark.anyio
PATH = "/api/v1/push/subscription"
KEYS = {"p256dh": b64url_encode(public_key_bytes(ec.generate_private_key(ec.SECP256R1()).public_key())),
        "auth": b64url_encode(os.urandom(16))}


async def subscribe(s: StaffSite, headers: dict[str, str]) -> dict[str, object]:
    answer = await s.client.post(PATH, headers=headers, json={
        "subscription": {"endpoint": "https://push.example/send/abc", "keys": KEYS},
        "data": {"alerts": {"mention": True, "follow": True}, "policy": "all"}})
    assert answer.status_code == 200, answer.text
    entity: dict[str, object] = answer.json()
    return entity


def on(entity: dict[str, object]) -> set[str]:
    alerts = entity["alerts"]
    assert isinstance(alerts, dict)
    return {k for k, v in alerts.items() if v}


async def test_the_page_shows_and_changes_what_an_app_pushes(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        entity = await subscribe(s, bob)
        await s.sign_in("bob")
        page = await s.client.get("/settings/notifications")
        assert page.status_code == 200
        assert 'name="alerts[]" value="mention" checked' in page.text
        assert 'name="alerts[]" value="favourite">' in page.text
        assert 'name="policy" value="all" checked' in page.text
        assert "admin.sign_up" not in page.text  # staff see no admin alerts

        answer = await s.submit(f"/settings/notifications/{entity['id']}", **{
            "alerts[]": ["favourite", "reblog", "admin.report"], "policy": "followed"})

        assert answer.status_code == 303
        assert answer.headers["location"] == "/settings/notifications?notice=saved"
        now = (await s.client.get(PATH, headers=bob)).json()
        assert on(now) == {"favourite", "reblog"}
        assert now["policy"] == "followed"


async def test_admins_also_choose_admin_alerts(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        boss = await s.employee("boss", role="admin")
        entity = await subscribe(s, boss)
        await s.sign_in("boss")
        assert 'value="admin.report"' in (await s.client.get("/settings/notifications")).text
        await s.submit(f"/settings/notifications/{entity['id']}", **{"alerts[]": ["admin.report"], "policy": "all"})
        assert on((await s.client.get(PATH, headers=boss)).json()) == {"admin.report"}


async def test_without_subscriptions_the_page_says_so(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        await s.sign_in("bob")
        page = await s.client.get("/settings/notifications")
        assert "None of your apps pushes notifications" in page.text
        assert "<form method=\"post\" action=\"/settings/notifications/" not in page.text


async def test_a_refused_policy_changes_nothing_and_keeps_the_ticks(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        entity = await subscribe(s, bob)
        await s.sign_in("bob")
        answer = await s.submit(f"/settings/notifications/{entity['id']}", **{
            "alerts[]": ["poll"], "policy": "everyone"})
        assert answer.status_code == 422
        assert field_error(answer.text, "policy")
        assert 'name="alerts[]" value="poll" checked' in answer.text
        stale = await s.client.post(f"/settings/notifications/{entity['id']}", data={
            CSRF_FIELD: "stale", "alerts[]": ["poll"], "policy": "none"})
        assert stale.status_code == 403
        assert "expired" in (field_error(stale.text, "policy") or field_error(stale.text, "form") or "")
        now = (await s.client.get(PATH, headers=bob)).json()
        assert on(now) == {"mention", "follow"}
        assert now["policy"] == "all"


async def test_someone_elses_subscription_is_not_found_and_left_alone(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        hers = await subscribe(s, alice)
        await s.employee("bob")
        await s.sign_in("bob")
        for target in (hers["id"], "999999", "abc"):
            answer = await s.submit(f"/settings/notifications/{target}", **{"alerts[]": ["poll"], "policy": "none"})
            assert answer.status_code == 404
            assert "does not exist" in answer.text
        assert str(hers["id"]) not in re.findall(r'action="/settings/notifications/(\d+)"',
                                                 (await s.client.get("/settings/notifications")).text)
        now = (await s.client.get(PATH, headers=alice)).json()
        assert on(now) == {"mention", "follow"}
        assert now["policy"] == "all"
