"""Conformance: mail preferences, presence, the leased outbox and the weekly digest's runs, on both backends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from storage.clock import utcnow
from storage.mail import MailKind, MailState, MailUpdate, NewMail
from storage.models import AccountKind, FollowState, MemberRole, NewStatus, NewUser, Visibility
from storage.protocols import Storage
from tests.storage.factories import new_account

pytestmark = pytest.mark.anyio


async def employee(storage: Storage, name: str) -> int:
    account = await storage.accounts.create_local(new_account(name), NewUser(f"{name}@corp.example", "!"))
    return account.id


def mail(account_id: int, *, due_in: timedelta = timedelta(0), key: str | None = None,
         kind: MailKind = MailKind.MENTION) -> NewMail:
    return NewMail(account_id, "x@corp.example", kind, "Subject", "text", "<p>html</p>", "https://i.example/u",
                   utcnow() + due_in, dedupe_key=key)


async def test_a_kind_has_its_default_until_the_person_chooses(storage: Storage) -> None:
    alice = await employee(storage, "alice")
    bob = await employee(storage, "bob")
    await storage.mail.set_preference(bob, MailKind.MENTION, False, utcnow())
    await storage.mail.set_preference(alice, MailKind.DIGEST, True, utcnow())
    await storage.mail.set_preference(alice, MailKind.DIGEST, True, utcnow())  # the same choice again

    mention = await storage.mail.wanting([alice, bob], MailKind.MENTION, True)
    digest = await storage.mail.wanting([alice, bob], MailKind.DIGEST, False)

    assert [r.account_id for r in mention] == [alice]
    assert [r.account_id for r in digest] == [alice]
    assert mention[0].address == "alice@corp.example"
    assert await storage.mail.preferences(alice) == {MailKind.DIGEST: True}
    assert await storage.mail.preferences(bob) == {MailKind.MENTION: False}


async def test_only_active_employees_have_a_mailbox(storage: Storage) -> None:
    alice = await employee(storage, "alice")
    gone = await employee(storage, "gone")
    await storage.accounts.set_disabled(gone, True)
    department = await storage.accounts.create_local(new_account("sales", AccountKind.DEPARTMENT))

    wanting = await storage.mail.wanting([alice, gone, department.id], MailKind.IMPORTANT, True)

    assert [r.account_id for r in wanting] == [alice]
    assert await storage.mail.recipient(alice) is not None
    assert await storage.mail.recipient(gone) is None
    assert await storage.mail.recipient(department.id) is None


async def test_presence_keeps_the_latest_moment(storage: Storage) -> None:
    alice = await employee(storage, "alice")
    now = utcnow()

    before = await storage.mail.last_seen(alice)
    await storage.mail.mark_seen(alice, now)
    await storage.mail.mark_seen(alice, now - timedelta(minutes=5))  # a slower process, late

    assert before is None
    assert await storage.mail.last_seen(alice) == now


async def test_a_mail_is_queued_once_per_dedupe_key_and_claimed_only_when_due(storage: Storage) -> None:
    alice = await employee(storage, "alice")
    added = await storage.mail.enqueue([mail(alice, key="k1"), mail(alice, key="k1"),
                                        mail(alice, due_in=timedelta(minutes=15))], utcnow())

    now = utcnow()
    claimed = await storage.mail.claim("w1", now, now + timedelta(minutes=5), 10)
    while_leased = await storage.mail.claim("w2", now + timedelta(minutes=4), now + timedelta(minutes=9), 10)
    # w1 never finished (it crashed): once its lease ran out, its mail comes back with the one now due.
    after_the_lease = await storage.mail.claim("w2", now + timedelta(minutes=16), now + timedelta(minutes=21), 10)

    assert added == 2
    assert len(claimed) == 1
    assert claimed[0].state is MailState.PENDING
    assert while_leased == []
    assert len(after_the_lease) == 2
    assert claimed[0].id in {m.id for m in after_the_lease}


async def test_two_workers_never_claim_the_same_mail(storage: Storage) -> None:
    alice = await employee(storage, "alice")
    await storage.mail.enqueue([mail(alice) for _ in range(20)], utcnow())
    now = utcnow()

    first, second = await asyncio.gather(
        storage.mail.claim("w1", now, now + timedelta(minutes=5), 12),
        storage.mail.claim("w2", now, now + timedelta(minutes=5), 12),
    )

    ids_first, ids_second = {m.id for m in first}, {m.id for m in second}
    assert not ids_first & ids_second
    assert len(ids_first | ids_second) == 20


async def test_completion_records_the_outcome_only_for_the_lease_holder(storage: Storage) -> None:
    alice = await employee(storage, "alice")
    await storage.mail.enqueue([mail(alice), mail(alice)], utcnow())
    now = utcnow()
    sent, retried = await storage.mail.claim("w1", now, now + timedelta(minutes=5), 10)
    retry_at = now + timedelta(minutes=3)

    stolen = await storage.mail.complete("w2", [MailUpdate(sent.id, MailState.SENT, now, last_status=250)])
    done = await storage.mail.complete("w1", [
        MailUpdate(sent.id, MailState.SENT, now, last_status=250),
        MailUpdate(retried.id, MailState.PENDING, now, next_attempt_at=retry_at, last_error="connection refused"),
    ])

    after_sent = await storage.mail.get(sent.id)
    after_retry = await storage.mail.get(retried.id)
    assert stolen == 0
    assert done == 2
    assert after_sent is not None and after_sent.state is MailState.SENT
    assert after_sent.finished_at is not None
    assert after_retry is not None and after_retry.state is MailState.PENDING
    assert after_retry.attempts == 1
    assert after_retry.last_error == "connection refused"
    assert after_retry.next_attempt_at == retry_at
    assert await storage.mail.claim("w1", now, now + timedelta(minutes=5), 10) == []


async def test_a_digest_run_opens_once_per_week_and_one_worker_holds_it(storage: Storage) -> None:
    now = utcnow()
    opened = await storage.mail.start_digest("2026-W49", now)
    again = await storage.mail.start_digest("2026-W49", now)

    held = await storage.mail.claim_digest("w1", now, now + timedelta(minutes=5))
    refused = await storage.mail.claim_digest("w2", now, now + timedelta(minutes=5))
    moved = await storage.mail.advance_digest("2026-W49", "w1", 42, 3, None)
    stale = await storage.mail.advance_digest("2026-W49", "w2", 99, 1, now)
    resumed = await storage.mail.claim_digest("w2", now, now + timedelta(minutes=5))
    finished = await storage.mail.advance_digest("2026-W49", "w2", 50, 1, now)

    assert opened is True
    assert again is False
    assert held is not None and held.after_account_id == 0
    assert refused is None
    assert moved is True
    assert stale is False
    assert resumed is not None and resumed.after_account_id == 42
    assert finished is True
    run = await storage.mail.digest_run("2026-W49")
    assert run is not None and run.finished_at is not None
    assert run.queued == 4
    assert await storage.mail.claim_digest("w3", now, now + timedelta(minutes=5)) is None


async def test_digest_candidates_are_the_weeks_engaged_posts_staff_can_read(storage: Storage) -> None:
    alice = await employee(storage, "alice")
    bob = await employee(storage, "bob")
    sales = await storage.accounts.create_local(new_account("sales", AccountKind.DEPARTMENT))
    liked = await storage.statuses.create(NewStatus(account_id=alice, visibility=Visibility.PUBLIC, text="liked",
                                                    content="<p>liked</p>", mention_ids=(sales.id,)))
    quiet = await storage.statuses.create(NewStatus(account_id=alice, visibility=Visibility.PUBLIC, text="quiet",
                                                    content="<p>quiet</p>"))
    secret = await storage.statuses.create(NewStatus(account_id=alice, visibility=Visibility.DIRECT, text="dm",
                                                     content="<p>dm</p>", mention_ids=(bob,)))
    await storage.interactions.add("favourite", bob, liked.id)
    await storage.interactions.add("favourite", bob, secret.id)
    await storage.follows.follow(bob, alice, FollowState.ACCEPTED)
    await storage.departments.set_member(sales.id, bob, MemberRole.MEMBER)
    await storage.relationships.block(bob, alice)
    now = utcnow()

    candidates = await storage.mail.digest_candidates(now - timedelta(days=7), now + timedelta(seconds=1), 10)
    circles = await storage.mail.digest_circles([bob])

    assert [(c.status_id, c.score, c.department_ids) for c in candidates] == [(liked.id, 1, (sales.id,))]
    assert quiet.id not in {c.status_id for c in candidates}
    assert circles[bob].following == frozenset({alice})
    assert circles[bob].departments == frozenset({sales.id})
    assert circles[bob].hidden == frozenset({alice})


async def test_gone_authors_are_the_deactivated_not_departments_nor_active_people(storage: Storage) -> None:
    alice = await employee(storage, "alice")
    bob = await employee(storage, "bob")
    sales = await storage.accounts.create_local(new_account("sales", AccountKind.DEPARTMENT))
    await storage.accounts.set_disabled(bob, True)

    assert await storage.mail.gone_authors([alice, bob, sales.id]) == frozenset({bob})
    assert await storage.mail.gone_authors([]) == frozenset()
