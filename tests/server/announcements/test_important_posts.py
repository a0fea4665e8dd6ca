"""Important posts: pinned atop the first page of their audience's home and department timelines, until "until".

Given the company, sales (publisher sam, member stu), legal, admin ada,
publisher pat; when a post of the company or of sales is marked important
through the admin API; then its audience finds it first on their first
home page (and sales's timeline), flagged ``important_until``, never on a
later page, and is told with a ``status`` notification; outsiders of the
audience, other posts and other people are refused.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from server.push.encryption import b64url_encode, public_key_bytes
from server.services.status_draft import StatusDraft
from storage.models import Account, Visibility
from tests.server.identities.world import World, bearer, world

pytestmark = pytest.mark.anyio


def _until(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def _post(w: World, author: Account, text: str, visibility: Visibility = Visibility.PUBLIC) -> int:
    status = await w.state.services.statuses.create(author, StatusDraft(text=text, visibility=visibility))
    return status.id


async def _mark(w: World, token: str, status_id: int, until: str | None = None) -> httpx.Response:
    data = {"until": until if until is not None else _until(days=7)}
    return await w.client.post(f"/api/v1/admin/insideout/statuses/{status_id}/important", data=data,
                               headers=bearer(token))


async def _home(w: World, token: str, **query: Any) -> httpx.Response:
    return await w.client.get("/api/v1/timelines/home", params=query, headers=bearer(token))


async def _filler(w: World, count: int) -> list[int]:
    ada = w.accounts["ada"]
    return [await _post(w, ada, f"note {n}") for n in range(count)]


async def test_a_company_post_heads_everyones_first_home_page(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        important = await _post(w, w.company, "Benefits enrolment closes Friday")
        stu = await w.token("stu")
        marked = await _mark(w, await w.token("pat"), important)

        first = await _home(w, stu, limit=5)
        ids = [int(s["id"]) for s in first.json()]
        assert marked.status_code == 200
        assert marked.json()["important_until"] is not None
        assert ids[0] == important
        assert first.json()[0]["important_until"] is not None
        assert ids.count(important) == 1


async def test_the_pin_is_on_the_first_page_only_and_paging_is_unchanged(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        important = await _post(w, w.company, "Read me first")
        ada = await w.token("ada")
        await _filler(w, 6)
        await _mark(w, ada, important)

        first = await _home(w, ada, limit=3)
        regular = [int(s["id"]) for s in first.json()][1:]
        next_link = first.headers["Link"]
        second = await _home(w, ada, limit=3, max_id=regular[-1])

        assert [int(s["id"]) for s in first.json()][0] == important
        assert len(regular) == 3
        assert f"max_id={regular[-1]}" in next_link
        assert all(int(s["id"]) < regular[-1] for s in second.json())
        assert all("important_until" not in s for s in second.json())


async def test_a_department_post_is_for_its_members_and_its_timeline(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        important = await _post(w, w.sales, "Quarter closes tonight")
        marked = await _mark(w, await w.token("sam"), important)
        stu, ada = await w.token("stu"), await w.token("ada")

        member_home = [int(s["id"]) for s in (await _home(w, stu)).json()]
        other_home = (await _home(w, ada)).json()
        timeline = await w.client.get(f"/api/v1/timelines/department/{w.sales.id}", headers=bearer(ada))

        assert marked.status_code == 200
        assert member_home[:1] == [important]
        assert all("important_until" not in s for s in other_home)
        assert timeline.json()[0]["id"] == str(important)
        assert timeline.json()[0]["important_until"] is not None


async def test_marking_notifies_the_audience_with_a_status_notification(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        important = await _post(w, w.sales, "Team offsite moved")
        await _mark(w, await w.token("pat"), important)

        stu_notes = (await w.client.get("/api/v1/notifications", headers=bearer(await w.token("stu")))).json()
        ada_notes = (await w.client.get("/api/v1/notifications", headers=bearer(await w.token("ada")))).json()
        again = await _mark(w, await w.token("pat"), important)
        stu_after = (await w.client.get("/api/v1/notifications", headers=bearer(await w.token("stu")))).json()

        assert [(n["type"], n["status"]["id"]) for n in stu_notes] == [("status", str(important))]
        assert [n for n in ada_notes if n["type"] == "status"] == []
        assert again.status_code == 200
        assert len(stu_after) == 1


async def test_the_pin_ends_after_until(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        important = await _post(w, w.company, "Old news")
        ada = await w.token("ada")
        await _filler(w, 3)
        await _mark(w, ada, important)
        await w.state.storage.important_statuses.mark(
            important, datetime.now(UTC) - timedelta(seconds=1), "user:test", datetime.now(UTC))

        ids = [int(s["id"]) for s in (await _home(w, ada, limit=2)).json()]
        assert important not in ids


async def test_unmarking_unpins_and_is_audited(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        important = await _post(w, w.company, "Never mind")
        ada = await w.token("ada")
        await _filler(w, 3)
        await _mark(w, ada, important)
        undone = await w.client.delete(f"/api/v1/admin/insideout/statuses/{important}/important",
                                       headers=bearer(ada))

        ids = [int(s["id"]) for s in (await _home(w, ada, limit=2)).json()]
        actions = [a.action for a in await w.state.services.admin_log.actions(target_type="status")]
        assert undone.status_code == 200
        assert undone.json()["important_until"] is None
        assert important not in ids
        assert actions == ["unmark_important", "mark_important"]


@pytest.mark.parametrize(("until", "message"), [
    (None, "until is required"), ("yesterday", "until is not a valid"), ("past", "in the future"),
    ("far", "at most 90 days"),
])
async def test_until_is_required_future_and_near(tmp_path: Path, until: str | None, message: str) -> None:
    async with world(tmp_path) as w:
        important = await _post(w, w.company, "When?")
        value = {"past": _until(hours=-1), "far": _until(days=91), "yesterday": "yesterday", None: ""}[until]
        refused = await _mark(w, await w.token("ada"), important, value)

        assert refused.status_code == 422
        assert message in refused.json()["error"]
        assert await w.state.storage.important_statuses.get(important) is None


async def test_who_and_what_may_be_marked(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        by_company = await _post(w, w.company, "Company news")
        by_legal = await _post(w, w.legal, "Legal news")
        by_person = await _post(w, w.accounts["stu"], "My news")
        private = await _post(w, w.company, "Followers only", Visibility.PRIVATE)

        assert (await _mark(w, await w.token("stu"), by_company)).status_code == 403
        assert (await _mark(w, await w.token("sam"), by_legal)).status_code == 403
        assert (await _mark(w, await w.token("ada"), by_person)).status_code == 422
        assert (await _mark(w, await w.token("ada"), private)).status_code == 422
        assert (await _mark(w, await w.token("ada"), 999999999)).status_code == 404
        no_scope = await _mark(w, await w.token("ada", scopes="read write"), by_company)
        assert no_scope.status_code == 403
        anonymous = await w.client.post(f"/api/v1/admin/insideout/statuses/{by_company}/important",
                                        data={"until": _until(days=1)})
        assert anonymous.status_code == 401


async def test_marking_queues_a_push_for_the_status_alert(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        important = await _post(w, w.sales, "Fire drill at three")
        stu = await w.token("stu", scopes="read write push")
        key = ec.generate_private_key(ec.SECP256R1())
        subscribed = await w.client.post("/api/v1/push/subscription", headers=bearer(stu), json={
            "subscription": {"endpoint": "https://push.example/stu",
                             "keys": {"p256dh": b64url_encode(public_key_bytes(key.public_key())),
                                      "auth": b64url_encode(os.urandom(16))}},
            "data": {"alerts": {"status": True}, "policy": "all"}})
        await _mark(w, await w.token("pat"), important)

        notes = (await w.client.get("/api/v1/notifications", headers=bearer(stu))).json()
        deliveries = await w.state.storage.push.deliveries_for(int(notes[0]["id"]))
        assert subscribed.status_code == 200
        assert len(deliveries) == 1
