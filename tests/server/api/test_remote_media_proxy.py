"""Remote media reach staff only through our proxy: stored with the post, fetched by us, re-encoded, cached.

Given a partner whose account a staff member follows; when it delivers a
Note with attachments; then the post's media point at our server, the
partner's URL is only ``remote_url``, and the first load of a proxy URL
fetches the file once (re-encoded, metadata gone), while refused or
blocked destinations are never contacted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from activitypub.errors import MediaStoreUnavailable
from federation.http import build_http_client
from server.http_client import outbound_settings
from server.mastodon.remote_media import media_cache_for
from server.media.store import KeyInfo, MediaStore, StoredObject
from server.services.remote_media import LEASE, RemoteMediaCache, RemoteMediaWorker
from storage.clock import utcnow
from storage.models import FollowState
from storage.remote_media import RemoteFileState
from tests.federation.inbound_helpers import BASE_URL, plain_actor, resolve
from tests.server.api.partner import SECRET, Partner, Running, jpeg_with_exif, running
from tests.server.helpers import bearer, staff_token

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("on_each_media_store")]

BOB = "https://remote.example/users/bob"
AVATAR = "https://cdn.remote.example/avatars/bob.jpg"
PHOTO = "https://cdn.remote.example/media/photo.jpg"
CLIP = "https://cdn.remote.example/media/clip.mp4"
ACTOR = plain_actor(BOB, icon={"type": "Image", "mediaType": "image/jpeg", "url": AVATAR})
KEY_ID = ACTOR["publicKey"]["id"]


def create_note(n: int, attachments: list[dict[str, Any]], content: str = "<p>Look</p>") -> dict[str, Any]:
    note = {
        "id": f"{BOB}/statuses/{n}", "type": "Note", "attributedTo": BOB, "content": content,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [f"{BOB}/followers"],
        "published": "2024-05-01T10:00:00Z", "attachment": attachments,
    }
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{BOB}/statuses/{n}/activity",
            "type": "Create", "actor": BOB, "object": note, "to": note["to"], "cc": note["cc"]}


def image(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "Document", "mediaType": "image/jpeg", "url": url, **extra}


def partner_with_bob() -> Partner:
    partner = Partner()
    partner.json(BOB, ACTOR)
    partner.file(AVATAR, jpeg_with_exif(40, 40), "image/jpeg")
    partner.file(PHOTO, jpeg_with_exif(), "image/jpeg")
    return partner


async def followed_by_staff(world: Running) -> str:
    token = await staff_token(world.app, "alice")
    alice = await world.state.storage.accounts.get_local("alice")
    bob = await world.state.storage.accounts.get_by_uri(BOB) or await _resolve(world)
    await world.state.storage.follows.follow(alice.id, bob.id, FollowState.ACCEPTED)
    return token


async def _resolve(world: Running) -> Any:
    from server.activitypub.inbound import inbound_for

    return await inbound_for(world.app).actors.resolve(BOB)


async def delivered_status(world: Running, token: str, activity: dict[str, Any]) -> dict[str, Any]:
    note = await world.deliver(activity, KEY_ID)
    assert note is not None and note.startswith("stored status"), note
    status_id = note.rsplit(" ", 1)[1]
    response = await world.client.get(f"/api/v1/statuses/{status_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    entity: dict[str, Any] = response.json()
    return entity


def local_path(url: str) -> str:
    assert url.startswith(BASE_URL + "/"), url
    return url[len(BASE_URL):]


async def test_remote_attachments_are_stored_with_the_post_and_shown_at_our_urls(tmp_path: Path) -> None:
    partner = partner_with_bob()
    async with running(tmp_path, partner) as world:
        token = await followed_by_staff(world)

        status = await delivered_status(world, token, create_note(1, [
            image(PHOTO, name="A blue \x07square", blurhash="UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
                  focalPoint=[0.5, -0.25], width=80, height=60),
            {"type": "Document", "mediaType": "video/mp4", "url": CLIP, "name": "A clip"},
        ]))

        photo, clip = status["media_attachments"]
        assert photo["type"] == "image" and photo["remote_url"] == PHOTO
        assert photo["url"].startswith(f"{BASE_URL}/media/proxy/") and photo["url"].endswith("/original")
        assert photo["preview_url"] == photo["url"].replace("/original", "/small")
        token_part = photo["url"].split("/")[-2]
        assert len(token_part) == 32 and photo["id"] not in photo["url"]
        assert photo["description"] == "A blue square"
        assert photo["blurhash"] == "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH"
        assert photo["meta"]["original"]["width"] == 80 and photo["meta"]["focus"] == {"x": 0.5, "y": -0.25}
        assert clip["type"] == "unknown" and clip["remote_url"] == CLIP and clip["url"].startswith(BASE_URL)
        assert status["account"]["avatar"].startswith(f"{BASE_URL}/media/proxy/")
        assert "remote.example" not in status["account"]["avatar"]
        assert partner.hits(PHOTO) == 0  # nothing fetched until someone looks


async def test_the_proxy_fetches_once_re_encodes_and_caches(tmp_path: Path) -> None:
    partner = partner_with_bob()
    async with running(tmp_path, partner) as world:
        token = await followed_by_staff(world)
        status = await delivered_status(world, token, create_note(2, [image(PHOTO)]))
        media = status["media_attachments"][0]

        first = await world.client.get(local_path(media["url"]))
        second = await world.client.get(local_path(media["url"]))
        small = await world.client.get(local_path(media["preview_url"]))

        assert first.status_code == 200 and first.headers["content-type"] == "image/jpeg"
        assert SECRET.encode() not in first.content and b"Exif" not in first.content
        assert second.content == first.content and small.status_code == 200
        assert partner.hits(PHOTO) == 1
        request = next(r for r in partner.requests if str(r.url) == PHOTO)
        assert "cookie" not in request.headers and "authorization" not in request.headers


async def test_remote_avatars_are_proxied_too(tmp_path: Path) -> None:
    partner = partner_with_bob()
    async with running(tmp_path, partner) as world:
        token = await followed_by_staff(world)
        bob = await world.state.storage.accounts.get_by_uri(BOB)

        account = (await world.client.get(f"/api/v1/accounts/{bob.id}", headers=bearer(token))).json()
        again = (await world.client.get(f"/api/v1/accounts/{bob.id}", headers=bearer(token))).json()
        served = await world.client.get(local_path(account["avatar"]))

        assert account["avatar"] == again["avatar"] and account["avatar"].startswith(f"{BASE_URL}/media/proxy/")
        assert served.status_code == 200 and SECRET.encode() not in served.content
        assert partner.hits(AVATAR) == 1


async def test_an_attachment_pointing_into_our_network_is_never_fetched(tmp_path: Path) -> None:
    partner = partner_with_bob()
    inside = "https://evil.example/admin/secret.jpg"  # resolves to 10.0.0.7
    partner.file(inside, jpeg_with_exif(), "image/jpeg")
    async with running(tmp_path, partner) as world:
        token = await followed_by_staff(world)
        status = await delivered_status(world, token, create_note(3, [image(inside)]))

        answer = await world.client.get(local_path(status["media_attachments"][0]["url"]))
        again = await world.client.get(local_path(status["media_attachments"][0]["url"]))

        assert answer.status_code == 404 and again.status_code == 404
        assert answer.json() == {"error": "Record not found"}
        assert partner.hits(inside) == 0


async def test_a_blocked_domain_is_never_fetched_by_the_proxy_or_the_worker(tmp_path: Path) -> None:
    partner = partner_with_bob()
    blocked = "https://cdn.blocked.example/photo.jpg"
    partner.file(blocked, jpeg_with_exif(), "image/jpeg")
    async with running(tmp_path, partner, INSIDEOUT_FEDERATION_BLOCKED_DOMAINS="blocked.example") as world:
        token = await followed_by_staff(world)
        status = await delivered_status(world, token, create_note(4, [image(blocked)]))

        answer = await world.client.get(local_path(status["media_attachments"][0]["url"]))
        await RemoteMediaWorker(world.state.storage, media_cache_for(world.app)).run_once()

        assert answer.status_code == 404
        assert partner.hits(blocked) == 0


async def test_a_temporary_failure_answers_502_and_is_retried_later_not_on_every_request(tmp_path: Path) -> None:
    partner = partner_with_bob()
    partner.file(PHOTO, b"busy", "text/plain", status=503)
    async with running(tmp_path, partner) as world:
        token = await followed_by_staff(world)
        status = await delivered_status(world, token, create_note(5, [image(PHOTO)]))
        url = local_path(status["media_attachments"][0]["url"])

        first = await world.client.get(url)
        second = await world.client.get(url)

        assert first.status_code == 502 and second.status_code == 502
        assert partner.hits(PHOTO) == 1
        row = await world.state.storage.remote_files.get(url.split("/")[-2])
        assert row is not None and row.state is RemoteFileState.PENDING and row.last_error


async def test_the_worker_prefetches_so_the_first_look_needs_no_remote_call(tmp_path: Path) -> None:
    partner = partner_with_bob()
    async with running(tmp_path, partner) as world:
        token = await followed_by_staff(world)
        status = await delivered_status(world, token, create_note(6, [image(PHOTO)]))
        worker = RemoteMediaWorker(world.state.storage, media_cache_for(world.app))

        handled = await worker.run_once()
        fetched_by_worker = partner.hits(PHOTO)
        served = await world.client.get(local_path(status["media_attachments"][0]["url"]))

        assert handled >= 1 and fetched_by_worker == 1
        assert served.status_code == 200 and partner.hits(PHOTO) == 1
        assert await worker.run_once() == 0


async def test_something_that_is_not_an_image_is_given_up(tmp_path: Path) -> None:
    partner = partner_with_bob()
    partner.file(PHOTO, b"<html>not an image</html>", "image/jpeg")
    async with running(tmp_path, partner) as world:
        token = await followed_by_staff(world)
        status = await delivered_status(world, token, create_note(7, [image(PHOTO)]))
        url = local_path(status["media_attachments"][0]["url"])

        assert (await world.client.get(url)).status_code == 404
        assert (await world.client.get(url)).status_code == 404
        assert partner.hits(PHOTO) == 1


async def test_unknown_proxy_tokens_answer_like_any_404(tmp_path: Path) -> None:
    async with running(tmp_path, Partner()) as world:
        unknown = await world.client.get("/media/proxy/" + "A" * 32 + "/original")
        bad_size = await world.client.get("/media/proxy/" + "A" * 32 + "/huge")
        assert unknown.status_code == bad_size.status_code == 404
        assert unknown.json() == bad_size.json() == {"error": "Record not found"}
        assert world.partner.requests == []


class Overtaken:
    """The partner's answer to P1's fetch comes so late that P1's lease has run out: before it is
    sent, a second process (P2, whose clock is past the lease) takes the row over and caches it."""

    def __init__(self, partner: Partner, p2: RemoteMediaCache, token: str, answer_p1: httpx.Response) -> None:
        self._partner, self._p2, self._token, self._answer_p1 = partner, p2, token, answer_p1
        self.p2_cached = False

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == PHOTO and not self.p2_cached:
            self.p2_cached = True
            stored = await self._p2.file(self._token, "original")  # P2's own fetch goes to the partner
            assert stored.media_type == "image/jpeg"
            self._partner.requests.append(request)
            return self._answer_p1
        return await self._partner(request)


class SecondPutFails:
    """The store as P1 sees it: its second write times out (S3's 60 s and retries, reported as 503)."""

    def __init__(self, store: MediaStore) -> None:
        self._store = store
        self.puts = 0

    async def put(self, key: str, data: bytes, media_type: str) -> None:
        self.puts += 1
        if self.puts == 2:
            raise MediaStoreUnavailable(detail=f"writing {key}: timed out")
        await self._store.put(key, data, media_type)

    async def open(self, key: str) -> StoredObject | None:
        return await self._store.open(key)

    async def read(self, key: str) -> bytes | None:
        return await self._store.read(key)

    async def size(self, key: str) -> int | None:
        return await self._store.size(key)

    async def delete(self, keys: Iterable[str]) -> None:
        await self._store.delete(keys)

    def keys(self, prefix: str) -> AsyncIterator[KeyInfo]:
        return self._store.keys(prefix)

    def describe(self) -> str:
        return self._store.describe()


@pytest.mark.parametrize("p1_answer", ["not_an_image", "partner_busy", "second_put_fails", "same_image"])
async def test_a_fetch_that_outlasts_its_lease_never_undoes_the_copy_cached_meanwhile(
    tmp_path: Path, p1_answer: str
) -> None:
    partner = partner_with_bob()
    async with running(tmp_path, partner) as world:
        token = await followed_by_staff(world)
        status = await delivered_status(world, token, create_note(8, [image(PHOTO)]))
        url = local_path(status["media_attachments"][0]["url"])
        file_token = url.split("/")[-2]
        app = world.state
        store: MediaStore = app.services.media_store
        now = utcnow()
        p2 = RemoteMediaCache(app.storage, app.http, app.settings, store,
                              clock=lambda: now + LEASE + timedelta(seconds=1))
        answers = {
            "not_an_image": httpx.Response(200, content=b"<html>", headers={"content-type": "image/jpeg"}),
            "partner_busy": httpx.Response(503, content=b"busy", headers={"content-type": "text/plain"}),
        }
        same = partner.answers[PHOTO]
        answer = answers.get(p1_answer, httpx.Response(200, content=same.content, headers=same.headers))
        overtaken = Overtaken(partner, p2, file_token, answer)
        failing = SecondPutFails(store)
        p1_store: MediaStore = failing if p1_answer == "second_put_fails" else store
        p1_http = build_http_client(outbound_settings(app.settings), transport=httpx.MockTransport(overtaken),
                                    resolver=resolve)
        p1 = RemoteMediaCache(app.storage, p1_http, app.settings, p1_store, clock=lambda: now)

        leased = await app.storage.remote_files.lease(file_token, now, now + LEASE)  # P1's lease
        assert leased is not None
        p1_cached = await p1.fetch(leased)
        await p1_http.aclose()

        row = await app.storage.remote_files.get(file_token)
        served = await world.client.get(url)
        small = await world.client.get(url.replace("/original", "/small"))
        assert overtaken.p2_cached and not p1_cached
        assert row is not None and row.state is RemoteFileState.CACHED and row.last_error is None
        assert row.locked_until is None and row.fetched_at == now + LEASE + timedelta(seconds=1)
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        assert small.status_code == 200
        assert await store.size(f"cache/remote/{file_token}/{row.original_name}")
        assert await store.size(f"cache/remote/{file_token}/{row.small_name}")
        if p1_answer == "second_put_fails":
            assert failing.puts == 2  # P1 wrote one object, failed the other, and took back neither
