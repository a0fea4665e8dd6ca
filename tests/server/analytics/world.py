"""A company where ten colleagues read the CEO's all-hands post, each through a different door.

The app is the real one, served by uvicorn in the test's loop (streams need
a real server); the web app is driven through its sign-in form like a
browser. Readers 0-6 are in sales (7 people), 7-8 in legal (2), reader 9
in no department. ``nosy`` is an eleventh, plain employee who read
nothing; ``boss`` an admin and ``pub`` a publisher, who read nothing either.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from starlette.applications import Starlette

from server.mastodon.stream_session import StreamingOptions
from server.state import AppState
from storage.models import AccountKind, MemberRole
from tests.server.api.live import SseReader, live
from tests.server.helpers import app_for, bearer, settings_for, staff_token
from tests.server.web.staff_site import StaffSite

FAST = StreamingOptions(heartbeat_seconds=0.2, recheck_seconds=0.1)
READERS = [f"reader{i}" for i in range(10)]
# Everyone may ask for admin:read; only the role decides who gets analytics.
SCOPES = "read write follow push admin:read"
POST = "All hands at ten, in the atrium @reader6 #AllHands"


@dataclass
class World:
    app: Starlette
    client: httpx.AsyncClient
    base: str
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def state(self) -> AppState:
        app_state: AppState = self.app.state.insideout
        return app_state

    async def person(self, username: str, role: str = "staff") -> None:
        self.tokens[username] = bearer(await staff_token(self.app, username, role=role, scopes=SCOPES))
        account = await self.state.storage.accounts.get_local(username)
        assert account is not None
        self.ids[username] = account.id

    async def department(self, slug: str, members: list[str]) -> None:
        department = await self.state.services.accounts.create_organisational(AccountKind.DEPARTMENT, slug,
                                                                              slug.title())
        for username in members:
            await self.state.storage.departments.set_member(department.id, self.ids[username], MemberRole.MEMBER)

    async def get(self, username: str, path: str, **params: str) -> httpx.Response:
        answer = await self.client.get(path, headers=self.tokens[username], params=params)
        assert answer.status_code == 200, (path, answer.status_code, answer.text)
        return answer

    async def flush(self) -> None:
        await self.state.services.reach.flush()

    @asynccontextmanager
    async def web(self, username: str) -> AsyncIterator[StaffSite]:
        """A browser signed in to the web app (and so to the admin pages) as ``username``."""
        async with httpx.AsyncClient(base_url=self.base) as browser:
            site = StaffSite(self.app, browser)
            signed_in = await site.sign_in(username)
            assert signed_in.status_code == 303, signed_in.text
            yield site


@asynccontextmanager
async def company(tmp_path: Path, **environ: str) -> AsyncIterator[World]:
    app = app_for(settings_for(tmp_path, **environ))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        world = World(app, client, base)
        for username in ("ceo", *READERS, "nosy"):
            await world.person(username)
        await world.person("boss", "admin")
        await world.person("pub", "publisher")
        await world.department("sales", READERS[:7])
        await world.department("legal", READERS[7:9])
        yield world


async def ten_colleagues_read(world: World) -> int:
    """Each reader is shown the CEO's post through another path, some twice; returns the post's id."""
    for follower in ("reader0", "reader7"):
        await world.client.post(f"/api/v1/accounts/{world.ids['ceo']}/follow", headers=world.tokens[follower])
    async with world.client.stream("GET", "/api/v1/streaming/user", headers=world.tokens["reader7"]) as stream:
        reader = SseReader(stream)
        await reader.opened()
        posted = await world.client.post("/api/v1/statuses", headers=world.tokens["ceo"],
                                         json={"status": POST, "visibility": "public"})
        assert posted.status_code == 200, posted.text
        status_id = int(posted.json()["id"])
        # reader7: the stream event of a followed account's post
        event, data = await reader.next_event()
        assert event == "update"
        assert str(status_id) in data
    await _through_the_api(world, status_id)
    # reader8: the web app's page of the post
    async with world.web("reader8") as site:
        page = await site.client.get(f"/@ceo/{status_id}")
        assert page.status_code == 200
        assert "All hands at ten" in page.text
    await asyncio.sleep(0)
    return status_id


async def _through_the_api(world: World, status_id: int) -> None:
    # reader0: the home timeline, twice
    for _ in range(2):
        home = await world.get("reader0", "/api/v1/timelines/home")
        assert str(status_id) in home.text
    # reader1: the local timeline; reader2: the hashtag's timeline
    await world.get("reader1", "/api/v1/timelines/public", local="true")
    await world.get("reader2", "/api/v1/timelines/tag/allhands")
    # reader4 fetches it once; the publisher replies, and reader3 reads the thread of that reply
    await world.get("reader4", f"/api/v1/statuses/{status_id}")
    reply = await world.client.post("/api/v1/statuses", headers=world.tokens["pub"],
                                    json={"status": "See you there", "in_reply_to_id": str(status_id)})
    assert reply.status_code == 200
    context = await world.get("reader3", f"/api/v1/statuses/{reply.json()['id']}/context")
    assert str(status_id) in context.text
    # reader5 favourites it (the answer shows it), then reads it again
    assert (await world.client.post(f"/api/v1/statuses/{status_id}/favourite",
                                    headers=world.tokens["reader5"])).status_code == 200
    await world.get("reader5", f"/api/v1/statuses/{status_id}")
    # reader6: the notification of the mention
    notes = await world.get("reader6", "/api/v1/notifications")
    assert str(status_id) in notes.text
    # reader9: several at once
    await world.get("reader9", "/api/v1/statuses", **{"id[]": str(status_id)})
    # the author reading their own post is no reach
    await world.get("ceo", f"/api/v1/statuses/{status_id}/context")
