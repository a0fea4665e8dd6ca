"""Conformance: remote files, preview cards and card fetches behave alike on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.media import NewMedia
from storage.models import Account, AccountKind, NewAccount, NewStatus, Visibility
from storage.protocols import Storage
from storage.remote_media import CachedFile, CardFetchState, NewPreviewCard, NewRemoteAttachment, RemoteFileState

pytestmark = pytest.mark.anyio

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


async def account(storage: Storage, username: str) -> Account:
    return await storage.accounts.create_local(NewAccount(AccountKind.EMPLOYEE, username, username, "pub", "priv"))


def attachment(token: str, url: str) -> NewRemoteAttachment:
    return NewRemoteAttachment(token=token, type="image", url=url, host="cdn.example", mime_type="image/jpeg",
                               description="alt", focus=(0.25, -0.5), blurhash="LEHV6nWB2yk8",
                               meta={"original": {"width": 8, "height": 6}})


async def test_attachments_are_stored_with_their_pending_files(storage: Storage) -> None:
    author = await account(storage, "remote")
    status = await storage.statuses.create(NewStatus(author.id, Visibility.PUBLIC, text="x"))

    media = await storage.remote_files.add_attachments(status.id, author.id, [
        attachment("a" * 32, "https://cdn.example/1.jpg"), attachment("b" * 32, "https://cdn.example/2.jpg"),
    ])

    assert [m.remote_url for m in media] == ["https://cdn.example/1.jpg", "https://cdn.example/2.jpg"]
    assert [m.capability_token for m in media] == ["a" * 32, "b" * 32] and media[0].file_name is None
    assert (media[0].focus_x, media[0].focus_y, media[0].description) == (0.25, -0.5, "alt")
    assert (await storage.media.for_statuses([status.id]))[status.id] == media
    row = await storage.remote_files.get("a" * 32)
    assert row is not None and row.kind == "attachment" and row.state is RemoteFileState.PENDING
    assert row.attempts == 0 and row.host == "cdn.example"
    assert await storage.remote_files.add_attachments(status.id, author.id, []) == []


async def test_shared_images_get_one_token_per_url(storage: Storage) -> None:
    first = await storage.remote_files.register_images({"https://cdn.example/a.png": ("t" * 32, "cdn.example")})
    second = await storage.remote_files.register_images({
        "https://cdn.example/a.png": ("u" * 32, "cdn.example"), "https://cdn.example/b.png": ("v" * 32, "cdn.example"),
    })

    assert first == {"https://cdn.example/a.png": "t" * 32}
    assert second == {"https://cdn.example/a.png": "t" * 32, "https://cdn.example/b.png": "v" * 32}
    assert await storage.remote_files.image_tokens(["https://cdn.example/b.png", "https://x.example/"]) == {
        "https://cdn.example/b.png": "v" * 32}


async def test_a_file_is_leased_once_retried_later_and_cached(storage: Storage) -> None:
    await storage.remote_files.register_images({"https://cdn.example/a.png": ("t" * 32, "cdn.example")})
    later = datetime.now(UTC) + timedelta(seconds=1)

    leased = await storage.remote_files.lease("t" * 32, later, later + LEASE)
    assert leased is not None and leased.attempts == 1
    assert await storage.remote_files.lease("t" * 32, later, later + LEASE) is None  # held
    assert await storage.remote_files.claim_due(later, later + LEASE, 10) == []

    assert not await storage.remote_files.mark_retry("t" * 32, later, later + timedelta(hours=1), "not my lease")
    assert await storage.remote_files.mark_retry("t" * 32, later + LEASE, later + timedelta(hours=1), "HTTP 503")
    assert await storage.remote_files.claim_due(later, later + LEASE, 10) == []
    claimed = await storage.remote_files.claim_due(later + timedelta(hours=2), later + timedelta(hours=3), 10)
    assert [f.token for f in claimed] == ["t" * 32] and claimed[0].attempts == 2
    assert claimed[0].last_error == "HTTP 503"

    assert await storage.remote_files.mark_cached(
        "t" * 32, later + timedelta(hours=3), CachedFile("original.jpg", "small.png", 8, 6, 4, 3, "L00000"), T0)
    cached = await storage.remote_files.get("t" * 32)
    assert cached is not None and cached.state is RemoteFileState.CACHED and cached.fetched_at == T0
    assert (cached.original_name, cached.small_name, cached.width, cached.small_height) == (
        "original.jpg", "small.png", 8, 3)
    assert await storage.remote_files.lease("t" * 32, later + timedelta(days=1), later + timedelta(days=2)) is None


async def test_a_failed_file_is_never_claimed_again(storage: Storage) -> None:
    await storage.remote_files.register_images({"https://cdn.example/a.png": ("t" * 32, "cdn.example")})
    now = datetime.now(UTC) + timedelta(seconds=1)
    assert await storage.remote_files.lease("t" * 32, now, now + LEASE) is not None
    assert await storage.remote_files.mark_failed("t" * 32, now + LEASE, "not an image")
    failed = await storage.remote_files.get("t" * 32)
    assert failed is not None and failed.state is RemoteFileState.FAILED
    future = datetime.now(UTC) + timedelta(days=30)
    assert await storage.remote_files.claim_due(future, future + LEASE, 10) == []


async def test_an_outcome_is_recorded_only_under_the_lease_still_held(storage: Storage) -> None:
    token = "t" * 32
    await storage.remote_files.register_images({"https://cdn.example/a.png": (token, "cdn.example")})
    cached = CachedFile("original.jpg", "small.png", 8, 6, 4, 3, "L00000")
    first_at = datetime.now(UTC) + timedelta(seconds=1)
    first = await storage.remote_files.lease(token, first_at, first_at + LEASE)
    second_at = first_at + LEASE + timedelta(seconds=1)  # the first lease ran out: another process takes over
    second = await storage.remote_files.lease(token, second_at, second_at + LEASE)
    assert first is not None and second is not None and first.locked_until != second.locked_until

    assert first.locked_until is not None and second.locked_until is not None
    assert not await storage.remote_files.mark_cached(token, first.locked_until, cached, T0)
    assert not await storage.remote_files.mark_retry(token, first.locked_until, second_at, "late")
    assert not await storage.remote_files.mark_failed(token, first.locked_until, "late")
    assert await storage.remote_files.mark_cached(token, second.locked_until, cached, T0)
    assert not await storage.remote_files.mark_failed(token, first.locked_until, "late")
    assert not await storage.remote_files.mark_failed(token, second.locked_until, "twice")

    row = await storage.remote_files.get(token)
    assert row is not None and row.state is RemoteFileState.CACHED and row.last_error is None
    assert row.original_name == "original.jpg" and row.locked_until is None


async def test_public_tokens_are_set_once(storage: Storage) -> None:
    owner = await account(storage, "alice")
    media = await storage.media.create(NewMedia(owner.id, "image", "c" * 32, "original.jpg", "small.jpg",
                                                "image/jpeg", None, (0.0, 0.0), "L0000", {}))
    assert await storage.media.set_public_token(media.id, "p" * 32)
    assert not await storage.media.set_public_token(media.id, "q" * 32)
    assert (await storage.media.get_by_public_token("p" * 32)) is not None
    assert await storage.media.get_by_public_token("q" * 32) is None


async def test_card_fetches_are_queued_claimed_and_finished(storage: Storage) -> None:
    author = await account(storage, "alice")
    status = await storage.statuses.create(NewStatus(author.id, Visibility.PUBLIC, text="x"))
    await storage.cards.enqueue(status.id, "https://news.example/a", T0)
    await storage.cards.enqueue(status.id, "https://news.example/a", T0)  # the same link again: one row

    claimed = await storage.cards.claim_due(T0, T0 + LEASE, 10)
    assert [(f.status_id, f.url, f.attempts) for f in claimed] == [(status.id, "https://news.example/a", 1)]
    assert await storage.cards.claim_due(T0, T0 + LEASE, 10) == []
    await storage.cards.mark_retry(status.id, T0 + timedelta(minutes=5), "HTTP 503")
    assert await storage.cards.claim_due(T0 + timedelta(minutes=1), T0 + LEASE, 10) == []
    assert len(await storage.cards.claim_due(T0 + timedelta(minutes=6), T0 + timedelta(minutes=8), 10)) == 1
    await storage.cards.mark_done(status.id)
    done = await storage.cards.get_fetch(status.id)
    assert done is not None and done.state is CardFetchState.DONE and done.attempts == 2

    # An edit that changes the link queues a fresh fetch.
    await storage.cards.enqueue(status.id, "https://news.example/b", T0)
    fresh = await storage.cards.get_fetch(status.id)
    assert fresh is not None and fresh.state is CardFetchState.PENDING and fresh.attempts == 0


async def test_cards_are_saved_by_url_and_linked_to_statuses(storage: Storage) -> None:
    author = await account(storage, "alice")
    one = await storage.statuses.create(NewStatus(author.id, Visibility.PUBLIC, text="one"))
    two = await storage.statuses.create(NewStatus(author.id, Visibility.PUBLIC, text="two"))
    card = await storage.cards.save(NewPreviewCard(url="https://news.example/a", title="A", provider_name="News"), T0)
    again = await storage.cards.save(NewPreviewCard(url="https://news.example/a", title="A2"), T0)

    await storage.cards.link(one.id, card.id)
    await storage.cards.link(two.id, again.id)

    assert again.id == card.id and again.title == "A2" and again.provider_name == ""
    assert await storage.cards.by_url("https://news.example/a") == again
    linked = await storage.cards.for_statuses([one.id, two.id, 999])
    assert set(linked) == {one.id, two.id} and linked[one.id].title == "A2"
    assert await storage.cards.for_statuses([]) == {}
