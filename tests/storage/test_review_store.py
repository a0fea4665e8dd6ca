"""Conformance: the review queue keeps one open item per post, decides only fresh items, leases due ones,
and the audit log stays append-only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from activitypub.errors import Conflict
from storage.clock import utcnow
from storage.models import AccountKind, NewAccount, NewStatus, Page, Visibility
from storage.protocols import Storage
from storage.review import AuditAction, AuditFilter, Decision, NewAuditEntry, NewReviewItem, ReviewKind, ReviewState

pytestmark = pytest.mark.anyio


async def _status(storage: Storage) -> tuple[int, int]:
    account = await storage.accounts.create_local(NewAccount(
        kind=AccountKind.EMPLOYEE, username="alice", display_name="Alice", public_key_pem="", private_key_pem=""))
    status = await storage.statuses.create(NewStatus(account_id=account.id, visibility=Visibility.PUBLIC,
                                                     text="hello", content="<p>hello</p>"))
    return status.id, (await storage.statuses.edits(status.id))[-1].id


async def test_one_open_item_per_status_and_stale_decisions_change_nothing(storage: Storage) -> None:
    status_id, edit_id = await _status(storage)
    item = await storage.review.open_item(NewReviewItem(status_id, ReviewKind.PUBLICATION, edit_id, "user:1"))
    assert item.state is ReviewState.PENDING and await storage.review.open_for(status_id) == item
    with pytest.raises(Conflict):
        await storage.review.open_item(NewReviewItem(status_id, ReviewKind.PUBLICATION, edit_id, "user:1"))
    wrong_revision = Decision(ReviewState.APPROVED, (ReviewState.PENDING,), edit_id + 1, "user:2")
    assert await storage.review.decide(item.id, wrong_revision) is None
    declined = await storage.review.decide(
        item.id, Decision(ReviewState.DECLINED, (ReviewState.PENDING,), edit_id, "user:2", "no"))
    assert declined is not None and declined.state is ReviewState.DECLINED and declined.reason == "no"
    assert await storage.review.decide(item.id, Decision(ReviewState.APPROVED, (ReviewState.PENDING,), edit_id,
                                                         "user:2")) is None
    assert await storage.review.open_for(status_id) is None
    again = await storage.review.open_item(NewReviewItem(status_id, ReviewKind.PUBLICATION, edit_id, "user:1"))
    assert [i.id for i in await storage.review.items([ReviewState.PENDING], Page())] == [again.id]


async def test_open_items_of_many_statuses_are_read_in_one_call(storage: Storage) -> None:
    # Given three posts: one waiting for review, one whose item was declined, one never nominated
    waiting, edit_id = await _status(storage)
    author = (await storage.statuses.get(waiting)).account_id  # type: ignore[union-attr]
    declined, never = [(await storage.statuses.create(NewStatus(
        account_id=author, visibility=Visibility.PUBLIC, text=text, content=f"<p>{text}</p>"))).id
        for text in ("declined", "never")]
    item = await storage.review.open_item(NewReviewItem(waiting, ReviewKind.PUBLICATION, edit_id, "user:1"))
    closed = await storage.review.open_item(NewReviewItem(
        declined, ReviewKind.PUBLICATION, (await storage.statuses.edits(declined))[-1].id, "user:1"))
    await storage.review.decide(closed.id, Decision(ReviewState.DECLINED, (ReviewState.PENDING,), closed.edit_id,
                                                    "user:2"))
    # When their open items are asked for together
    found = await storage.review.open_for_many([waiting, declined, never])
    # Then only the open one is there, the same item open_for gives
    assert dict(found) == {waiting: item}
    assert await storage.review.open_for_many([]) == {}


async def test_due_items_are_leased_once(storage: Storage) -> None:
    status_id, edit_id = await _status(storage)
    item = await storage.review.open_item(NewReviewItem(status_id, ReviewKind.PUBLICATION, edit_id, "user:1"))
    now = utcnow()
    await storage.review.decide(item.id, Decision(ReviewState.SCHEDULED, (ReviewState.PENDING,), edit_id, "user:2",
                                                  scheduled_at=now + timedelta(minutes=5), announcer_ids=(7,)))
    assert await storage.review.claim_due(now, now + timedelta(minutes=1), 10) == []
    later = now + timedelta(minutes=6)
    [claimed] = await storage.review.claim_due(later, later + timedelta(minutes=5), 10)
    assert claimed.id == item.id and claimed.announcer_ids == (7,)
    assert await storage.review.claim_due(later, later + timedelta(minutes=5), 10) == []
    after_lease = later + timedelta(minutes=6)
    assert len(await storage.review.claim_due(after_lease, after_lease + timedelta(minutes=5), 10)) == 1


async def test_the_audit_log_filters_and_is_append_only(storage: Storage) -> None:
    status_id, _ = await _status(storage)
    await storage.review.log(NewAuditEntry(status_id, AuditAction.NOMINATE, "internal", "pending", 1, "user:1"))
    await storage.publication.record(status_id, "internal", "published", 1, "cli:root", "launch", [])
    entries = await storage.review.audit(AuditFilter(status_id=status_id), Page())
    assert [(e.action, e.actor) for e in entries] == [("publish", "cli:root"), ("nominate", "user:1")]
    assert [e.action for e in await storage.review.audit(AuditFilter(actor="user:1"), Page())] == ["nominate"]
    assert await storage.review.audit(AuditFilter(action="decline"), Page()) == []
    database = getattr(storage, "database", None)
    if database is not None:
        with pytest.raises(Exception, match="append-only"):
            await database.execute("UPDATE publication_log SET reason = 'rewritten'")
