"""A token acting as the company does not read the company's mail to employees, unless its human is an admin.

Given an employee whose post was declined, so the company told them why in a
direct message, and who answered it; when a publisher acting as the company
reads the company's home timeline, the status, its thread, notifications,
conversations, search, the company's own posts or its stream, then neither
message is there, and asking for one by id is answered exactly as for an id
that never existed. An admin acting as the company reads both everywhere.
Direct mail that names the publisher himself stays readable to him.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.models import Account, Page
from storage.push import PushDeliveryState
from tests.server.api.live import SseReader, payload_of
from tests.server.api.test_push_delivery import Browser, PushService, push_app, subscribe, worker_of
from tests.server.helpers import serving, settings_for
from tests.server.identities.world import World, bearer, consent, live_world, populated, world

pytestmark = pytest.mark.anyio
Q = "/api/v1/admin/insideout"
REASON = "the name of the client must not appear"
NEVER = 999_999_999_999


async def acting_token(w: World, login: str, identity: Account, scopes: str = "read write") -> str:
    async with consent(w, login, scopes) as page:
        return await page.token(str(identity.id))


async def get(w: World, token: str, path: str, **params: str) -> Any:
    answer = await w.client.get(path, headers=bearer(token), params=params)
    assert answer.status_code == 200, (path, answer.text)
    return answer.json()


async def post(w: World, token: str, **fields: str) -> dict[str, Any]:
    answer = await w.client.post("/api/v1/statuses", headers=bearer(token), data=fields)
    assert answer.status_code == 200, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def decline_with_a_notice(w: World, text: str = "Our Q3 numbers") -> tuple[str, str]:
    """stu's nominated post is declined with a reason; the company's notice and stu's answer to it, by id."""
    stu = await w.token("stu")
    status = await post(w, stu, status=text, visibility="public")
    item = await w.client.post(f"{Q}/statuses/{status['id']}/nominate", headers=bearer(stu))
    assert item.status_code == 200, item.text
    declined = await w.client.post(f"{Q}/queue/{item.json()['id']}/decline", headers=bearer(await w.token("pat")),
                                   data={"reason": REASON})
    assert declined.status_code == 200, declined.text
    (told,) = await get(w, stu, "/api/v1/notifications", types="mention")
    notice = told["status"]
    assert notice["account"]["id"] == str(w.company.id)
    assert notice["visibility"] == "direct"
    assert REASON in notice["content"]
    answer = await post(w, stu, status=f"@{w.company.username} Which client?", visibility="direct",
                        in_reply_to_id=notice["id"])
    return notice["id"], answer["id"]


async def what_it_reads(w: World, token: str, notice: str, answer: str) -> dict[str, Any]:
    """Each read path, reduced to whether the notice or the answer shows there."""
    ours = {notice, answer}
    home = await get(w, token, "/api/v1/timelines/home")
    own = await get(w, token, f"/api/v1/accounts/{w.company.id}/statuses")
    mentions = await get(w, token, "/api/v1/notifications")
    unread = await get(w, token, "/api/v1/notifications/unread_count")
    conversations = await get(w, token, "/api/v1/conversations")
    found = await get(w, token, "/api/v2/search", q="client", type="statuses")
    shown = [await w.client.get(f"/api/v1/statuses/{i}", headers=bearer(token)) for i in (notice, answer)]
    return {
        "home": sorted(s["id"] for s in home if s["id"] in ours),
        "account": sorted(s["id"] for s in own if s["id"] in ours),
        "notifications": sorted(n["status"]["id"] for n in mentions if n["status"] and n["status"]["id"] in ours),
        "unread": unread["count"],
        # (only these two: the human's own mail, such as a review notice to them, is theirs to read)
        "conversations": sorted(c["last_status"]["id"] for c in conversations if c["last_status"]["id"] in ours),
        "search": sorted(s["id"] for s in found["statuses"]),
        "statuses": [r.status_code for r in shown],
    }


async def test_a_publisher_acting_as_the_company_reads_none_of_its_notices_to_employees(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        notice, answer = await decline_with_a_notice(w)
        pat = await acting_token(w, "pat", w.company)

        assert await what_it_reads(w, pat, notice, answer) == {
            "home": [], "account": [], "notifications": [], "unread": 0, "conversations": [], "search": [],
            "statuses": [404, 404],
        }
        # Asking by id is answered exactly as for an id that never existed, whatever is asked
        never = await w.client.get(f"/api/v1/statuses/{NEVER}", headers=bearer(pat))
        for path in ("", "/context", "/source", "/history", "/favourited_by"):
            hidden = await w.client.get(f"/api/v1/statuses/{notice}{path}", headers=bearer(pat))
            assert (hidden.status_code, hidden.content) == (never.status_code, never.content), path
        for method, path in (("POST", "/favourite"), ("POST", "/bookmark"), ("POST", "/mute"), ("DELETE", "")):
            touched = await w.client.request(method, f"/api/v1/statuses/{answer if path else notice}{path}",
                                             headers=bearer(pat))
            assert (touched.status_code, touched.content) == (never.status_code, never.content), path
        # Nor can he reply into the thread, or clear the notifications an admin still has to read
        reply = await w.client.post("/api/v1/statuses", headers=bearer(pat),
                                    data={"status": "Never mind", "in_reply_to_id": answer})
        assert reply.status_code == 404
        assert (await w.client.post("/api/v1/notifications/clear", headers=bearer(pat))).status_code == 200

        ada = await acting_token(w, "ada", w.company)
        assert await what_it_reads(w, ada, notice, answer) == {
            "home": sorted([notice, answer]), "account": [notice], "notifications": [answer], "unread": 1,
            "conversations": [answer], "search": sorted([notice, answer]), "statuses": [200, 200],
        }
        thread = await get(w, ada, f"/api/v1/statuses/{answer}/context")
        assert [s["id"] for s in thread["ancestors"]] == [notice]


async def test_the_companys_mail_that_names_the_publisher_himself_stays_readable_to_him(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        stu = await w.token("stu")
        to_both = await post(w, stu, status=f"@{w.company.username} @pat a question for you both",
                             visibility="direct")
        pat = await acting_token(w, "pat", w.company)
        shown = await w.client.get(f"/api/v1/statuses/{to_both['id']}", headers=bearer(pat))
        assert shown.status_code == 200
        conversations = await get(w, pat, "/api/v1/conversations")
        assert [c["last_status"]["id"] for c in conversations] == [to_both["id"]]
        # And the company's public voice is untouched by the rule
        said = await post(w, await w.token("ada"), status="Hello all", visibility="public")
        assert (await w.client.get(f"/api/v1/statuses/{said['id']}", headers=bearer(pat))).status_code == 200


async def next_status(reader: SseReader) -> tuple[str, Any]:
    """The next status or notification on a stream, as (event, id of the status it carries).

    The company's notices to the deciders that a post waits for review are skipped: they are the deciders'
    own mail, beside the point here.
    """
    while True:
        event, data = await reader.next_event()
        entity: dict[str, Any] = payload_of(data)
        status = entity if event == "update" else entity.get("status") or {}
        if "waits for review" in str(status.get("content", "")):
            continue
        if event == "update":
            return event, entity["id"]
        if event == "notification":
            return event, entity["status"]["id"]


async def test_the_companys_stream_keeps_its_mail_from_a_publisher_and_shows_it_to_an_admin(
    tmp_path: Path,
) -> None:
    async with live_world(tmp_path) as (w, base), httpx.AsyncClient(base_url=base) as live:
        pat, ada = await acting_token(w, "pat", w.company), await acting_token(w, "ada", w.company)
        async with (live.stream("GET", "/api/v1/streaming/user", headers=bearer(pat)) as pats,
                    live.stream("GET", "/api/v1/streaming/user", headers=bearer(ada)) as adas):
            pat_stream, ada_stream = SseReader(pats), SseReader(adas)
            await pat_stream.opened()
            await ada_stream.opened()
            # When the company tells stu why his post was declined, and he answers
            notice, answer = await decline_with_a_notice(w)
            # Then the admin's stream carries both, and the answer's notification
            seen = sorted([await next_status(ada_stream) for _ in range(3)])
            assert seen == sorted([("update", notice), ("update", answer), ("notification", answer)])
            # While the publisher's next event is the company's next public post, not its mail
            said = await post(w, ada, status="Hello all", visibility="public")
            assert await next_status(pat_stream) == ("update", said["id"])


async def test_a_publishers_push_subscription_hears_nothing_of_the_companys_mail(tmp_path: Path) -> None:
    service = PushService()
    app = push_app(settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="http://testserver"), service)
    async with serving(app) as client:
        w = await populated(app, client)
        # Given a publisher and an admin, each with a push subscription for a token acting as the company
        pat = await acting_token(w, "pat", w.company, "read write push")
        ada = await acting_token(w, "ada", w.company, "read write push")
        await subscribe(w.client, pat, Browser().subscription("https://push.example/pat"))
        admins_browser = Browser()
        await subscribe(w.client, ada, admins_browser.subscription("https://push.example/ada"))
        # When stu answers the company's notice, which mentions the company, and the push worker runs
        await decline_with_a_notice(w)
        assert await worker_of(app).run_once() == 2
        # Then only the admin's browser hears of it
        (request,) = service.requests
        assert str(request.url) == "https://push.example/ada"
        assert admins_browser.read(request)["notification_type"] == "mention"
        (mention,) = await w.state.storage.notifications.list(w.company.id, Page())
        rows = await w.state.storage.push.deliveries_for(mention.id)
        assert sorted((d.state, d.last_error) for d in rows) == sorted([
            (PushDeliveryState.DONE, None),
            (PushDeliveryState.FAILED, "notification gone, or not for this token to read")])
