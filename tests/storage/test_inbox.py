"""The inbox queue, reports and remote blocks: the conformance suite every backend runs."""

from __future__ import annotations

import asyncio

import pytest

from storage.models import InboxState, NewInboxItem, NewReport, RemoteProfile
from storage.protocols import Storage
from tests.storage.factories import new_account

pytestmark = pytest.mark.anyio


def item(key: str = "https://remote.example/activities/1", **overrides: object) -> NewInboxItem:
    fields: dict[str, object] = {
        "dedupe_key": key,
        "activity_type": "Follow",
        "actor_uri": "https://remote.example/users/alice",
        "body": '{"type": "Follow"}',
        "activity_id": key,
        "key_id": "https://remote.example/users/alice#main-key",
    }
    fields.update(overrides)
    return NewInboxItem(**fields)  # type: ignore[arg-type]


async def test_an_added_item_is_pending_and_reads_back(storage: Storage) -> None:
    added = await storage.inbox.add(item())

    assert added is not None and added.state is InboxState.PENDING and added.attempts == 0
    assert await storage.inbox.get(added.id) == added
    assert await storage.inbox.get_by_dedupe_key("https://remote.example/activities/1") == added


async def test_the_same_dedupe_key_is_stored_once(storage: Storage) -> None:
    first = await storage.inbox.add(item())

    again = await storage.inbox.add(item(body='{"type": "Follow", "changed": true}'))

    assert first is not None and again is None
    assert await storage.inbox.count_by_state() == {"pending": 1}


async def test_claiming_leases_due_items_once_and_counts_the_attempt(storage: Storage) -> None:
    for n in range(3):
        await storage.inbox.add(item(f"https://remote.example/activities/{n}"))

    first = await storage.inbox.claim_due(2, lease_seconds=60)
    second = await storage.inbox.claim_due(10, lease_seconds=60)
    third = await storage.inbox.claim_due(10, lease_seconds=60)

    assert len(first) == 2 and len(second) == 1 and third == []
    assert all(claimed.attempts == 1 and claimed.locked_until is not None for claimed in [*first, *second])


async def test_an_expired_lease_makes_the_item_claimable_again(storage: Storage) -> None:
    await storage.inbox.add(item())

    await storage.inbox.claim_due(1, lease_seconds=0)
    again = await storage.inbox.claim_due(1, lease_seconds=60)

    assert len(again) == 1 and again[0].attempts == 2


async def test_concurrent_claims_never_hand_out_the_same_item(storage: Storage) -> None:
    for n in range(20):
        await storage.inbox.add(item(f"https://remote.example/activities/{n}"))

    batches = await asyncio.gather(*(storage.inbox.claim_due(3, lease_seconds=60) for _ in range(10)))

    ids = [claimed.id for batch in batches for claimed in batch]
    assert len(ids) == 20 and len(set(ids)) == 20


async def test_done_retry_and_failed_record_their_outcome(storage: Storage) -> None:
    a, b, c = [await storage.inbox.add(item(f"https://remote.example/activities/{n}")) for n in range(3)]
    assert a and b and c
    await storage.inbox.claim_due(3, lease_seconds=60)

    await storage.inbox.mark_done(a.id, "follow accepted")
    await storage.inbox.mark_retry(b.id, 3600, "RetryLater: timeout")
    await storage.inbox.mark_failed(c.id, "Forbidden: origin mismatch")

    done, retrying, failed = [await storage.inbox.get(x.id) for x in (a, b, c)]
    assert done and done.state is InboxState.DONE and done.note == "follow accepted" and done.locked_until is None
    assert retrying and retrying.state is InboxState.PENDING and retrying.last_error == "RetryLater: timeout"
    assert retrying.next_attempt > retrying.updated_at
    assert failed and failed.state is InboxState.FAILED and failed.last_error == "Forbidden: origin mismatch"
    assert await storage.inbox.claim_due(10, lease_seconds=60) == []
    assert await storage.inbox.count_by_state() == {"done": 1, "pending": 1, "failed": 1}


async def test_a_retry_with_no_delay_is_due_again(storage: Storage) -> None:
    added = await storage.inbox.add(item())
    assert added
    await storage.inbox.claim_due(1, lease_seconds=60)

    await storage.inbox.mark_retry(added.id, 0, "boom")

    assert [claimed.id for claimed in await storage.inbox.claim_due(1, lease_seconds=60)] == [added.id]


async def _remote(storage: Storage, name: str = "mallory") -> int:
    uri = f"https://remote.example/users/{name}"
    account = await storage.accounts.upsert_remote(
        RemoteProfile(uri=uri, username=name, domain="remote.example", actor_type="Person", inbox_url=f"{uri}/inbox")
    )
    return account.id


async def test_a_report_is_stored_once_per_activity_id(storage: Storage) -> None:
    target = await storage.accounts.create_local(new_account("alice"))
    reporter = await _remote(storage)
    report = NewReport(
        reporter_uri="https://remote.example/users/mallory",
        reporter_id=reporter,
        comment="spam",
        target_account_ids=(target.id,),
        target_object_uris=("https://local.example/users/alice/statuses/1",),
        activity_id="https://remote.example/flags/1",
    )

    stored = await storage.moderation.add_report(report)
    again = await storage.moderation.add_report(report)

    assert stored is not None and again is None
    assert stored.target_account_ids == (target.id,) and stored.state == "open" and stored.comment == "spam"
    assert list(await storage.moderation.list_reports()) == [stored]


async def test_reports_without_activity_ids_are_all_kept(storage: Storage) -> None:
    report = NewReport(reporter_uri="https://remote.example/actor", comment="")

    assert await storage.moderation.add_report(report) is not None
    assert await storage.moderation.add_report(report) is not None
    assert len(await storage.moderation.list_reports()) == 2


async def test_remote_blocks_are_recorded_once_and_removable(storage: Storage) -> None:
    target = await storage.accounts.create_local(new_account("alice"))
    blocker = await _remote(storage)

    assert await storage.moderation.add_remote_block(blocker, target.id, "https://remote.example/blocks/1")
    assert not await storage.moderation.add_remote_block(blocker, target.id, "https://remote.example/blocks/2")
    blocks = await storage.moderation.remote_blocks_of(target.id)
    assert [(b.actor_id, b.activity_id) for b in blocks] == [(blocker, "https://remote.example/blocks/1")]

    assert await storage.moderation.remove_remote_block(blocker, target.id)
    assert not await storage.moderation.remove_remote_block(blocker, target.id)
    assert await storage.moderation.remote_blocks_of(target.id) == []


async def test_concurrent_adds_of_one_key_store_it_once(storage: Storage) -> None:
    results = await asyncio.gather(*(storage.inbox.add(item()) for _ in range(10)))

    assert sum(result is not None for result in results) == 1
    assert await storage.inbox.count_by_state() == {"pending": 1}


async def test_a_burst_of_adds_returns_each_its_own_row(storage: Storage) -> None:
    keys = [f"https://remote.example/activities/{n}" for n in range(50)]

    results = await asyncio.gather(*(storage.inbox.add(item(key)) for key in keys))

    assert [result.dedupe_key if result else None for result in results] == keys
    assert len({result.id for result in results if result}) == 50


async def test_an_add_inside_a_transaction_joins_it(storage: Storage) -> None:
    async with storage.transaction():
        added = await storage.inbox.add(item())
        duplicate = await storage.inbox.add(item())

    assert added is not None and duplicate is None
    assert await storage.inbox.get(added.id) == added
