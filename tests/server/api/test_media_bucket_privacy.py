"""The bucket names nobody: its listing holds only random tokens and fixed names, and no answer of ours points into it.

Given a server on an S3 bucket; when staff upload media, set an avatar and a header, publish a post
with an image, and look at a partner's post whose image and avatar the proxy caches; then every key
in the bucket's listing is ``<prefix>/<folder>/<random token>/<fixed name>`` (no account id,
username or status id anywhere), and no response of ours names the bucket's endpoint or carries a
presigned URL, and the bucket refuses an anonymous reader: clients only ever meet our own capability
and public URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.s3_server import S3Server, key_prefix_for, using_media_store
from tests.server.api.partner import running
from tests.server.api.test_api_media import jpeg
from tests.server.api.test_public_media_and_cards import note_of, post_status, upload
from tests.server.api.test_remote_media_proxy import (
    BOB,
    PHOTO,
    create_note,
    delivered_status,
    followed_by_staff,
    image,
    local_path,
    partner_with_bob,
)
from tests.server.helpers import bearer

pytestmark = pytest.mark.anyio

KEY = re.compile(r"\A(media|accounts|cache/remote)/([A-Za-z0-9_-]{32})/(original|small|avatar|header)\.(jpg|png|gif|webp)\Z")


@pytest.fixture
def on_s3(s3_server: S3Server, tmp_path: Path) -> Iterator[S3Server]:
    with using_media_store(s3_server.environ(key_prefix_for(tmp_path))):
        yield s3_server


async def test_the_bucket_listing_names_no_one_and_no_answer_points_into_the_bucket(
    on_s3: S3Server, tmp_path: Path
) -> None:
    answers: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        answers.append(response)

    async with running(tmp_path, partner_with_bob()) as world:
        world.client.event_hooks["response"].append(keep)
        token = await followed_by_staff(world)
        media = await upload(world, token)
        status = await post_status(world, token, status="Our team", visibility="public", **{"media_ids[]": media["id"]})
        await world.state.services.publication.publish(int(status["id"]), by="test")
        note = await note_of(world, status["id"])
        profile = await world.client.patch("/api/v1/accounts/update_credentials", headers=bearer(token),
                                           files={"avatar": ("me.jpg", jpeg(), "image/jpeg"),
                                                  "header": ("h.jpg", jpeg(), "image/jpeg")})
        remote = await delivered_status(world, token, create_note(1, [image(PHOTO)]))
        for url in (media["url"], media["preview_url"], note["attachment"][0]["url"], profile.json()["avatar"],
                    profile.json()["header"], remote["media_attachments"][0]["url"],
                    remote["media_attachments"][0]["preview_url"], remote["account"]["avatar"]):
            served = await world.client.get(local_path(url))
            assert served.status_code == 200, url
        alice = await world.state.storage.accounts.get_local("alice")
        bob = await world.state.storage.accounts.get_by_uri(BOB)
        prefix = world.state.settings.media.s3_prefix

    listed = on_s3.keys(prefix + "/")
    assert len(listed) == 8  # two per upload, avatar and header, two of the partner's photo, its avatar's two
    # (a three-letter username could turn up in a random token by chance; "alice" and the ids cannot)
    names = ["alice", "remote.example", str(alice.id), str(bob.id), status["id"], remote["id"], media["id"]]
    for key in listed:
        relative = key.removeprefix(prefix + "/")
        match = KEY.match(relative)
        assert match, key
        for name in names:
            assert name not in relative, (name, key)

    # No answer of ours names the bucket or signs a URL into it, nor redirects anywhere.
    endpoint = on_s3.endpoint.removeprefix("http://")
    for answer in answers:
        text = answer.content.decode("utf-8", "replace") + "\n" + "\n".join(f"{k}: {v}" for k, v in
                                                                             answer.headers.items())
        assert endpoint not in text, answer.url
        assert on_s3.bucket not in text, answer.url
        assert "X-Amz-" not in text, answer.url
        assert answer.status_code < 300 or answer.status_code >= 400, answer.url  # never a redirect
    # The bucket is private: a reader without the key pair gets nothing, even knowing a key.
    for key in listed:
        assert httpx.get(f"{on_s3.endpoint}/{on_s3.bucket}/{key}").status_code == 403, key
