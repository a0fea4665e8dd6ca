"""Conformance: announcements reach their audience while active; dismissals, reactions and important posts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.announcements import NewAnnouncement
from storage.clock import utcnow
from storage.models import AccountKind, MemberRole, NewStatus, Visibility
from storage.protocols import Storage
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


async def people(storage: Storage) -> tuple[int, int, int, int]:
    """(alice, a member of sales; bob, of nobody; the sales department; the company)."""
    alice = await storage.accounts.create_local(new_account("alice"), new_user("alice@corp.example"))
    bob = await storage.accounts.create_local(new_account("bob"), new_user("bob@corp.example"))
    sales = await storage.accounts.create_local(new_account("sales", AccountKind.DEPARTMENT))
    company = await storage.accounts.create_local(new_account("corp", AccountKind.COMPANY))
    await storage.departments.set_member(sales.id, alice.id, MemberRole.MEMBER)
    return alice.id, bob.id, sales.id, company.id


def draft(text: str = "Hello", *, departments: tuple[int, ...] = (), starts: int | None = None,
          ends: int | None = None) -> NewAnnouncement:
    now = utcnow()
    return NewAnnouncement(
        text=text, content=f"<p>{text}</p>", all_day=False, department_ids=departments, created_by="user:1",
        starts_at=now + timedelta(hours=starts) if starts is not None else None,
        ends_at=now + timedelta(hours=ends) if ends is not None else None,
    )


async def test_an_announcement_for_everyone_reaches_every_employee(storage: Storage) -> None:
    alice, bob, _, _ = await people(storage)
    stored = await storage.announcements.add(draft(), utcnow())

    assert [a.id for a in await storage.announcements.for_account(alice, utcnow())] == [stored.id]
    assert [a.id for a in await storage.announcements.for_account(bob, utcnow())] == [stored.id]
    assert list(await storage.announcements.audience_ids(stored.id)) == sorted([alice, bob])
    assert stored.department_ids == ()


async def test_a_department_announcement_reaches_its_members_only(storage: Storage) -> None:
    alice, bob, sales, _ = await people(storage)
    stored = await storage.announcements.add(draft(departments=(sales,)), utcnow())

    assert [a.id for a in await storage.announcements.for_account(alice, utcnow())] == [stored.id]
    assert list(await storage.announcements.for_account(bob, utcnow())) == []
    assert await storage.announcements.in_audience(stored.id, alice) is True
    assert await storage.announcements.in_audience(stored.id, bob) is False
    assert list(await storage.announcements.audience_ids(stored.id)) == [alice]
    assert stored.department_ids == (sales,)


async def test_only_active_announcements_are_listed_for_a_person(storage: Storage) -> None:
    alice, _, _, _ = await people(storage)
    await storage.announcements.add(draft("later", starts=2), utcnow())
    await storage.announcements.add(draft("over", starts=-3, ends=-1), utcnow())
    now_on = await storage.announcements.add(draft("now", starts=-1, ends=1), utcnow())
    ended = await storage.announcements.add(draft("ended by hand"), utcnow())
    await storage.announcements.end(ended.id, utcnow())

    assert [a.text for a in await storage.announcements.for_account(alice, utcnow())] == ["now"]
    assert [a.text for a in await storage.announcements.list()] == ["ended by hand", "now", "over", "later"]
    assert now_on.state_at(utcnow()) == "active"


async def test_dismissals_and_reactions_are_per_person(storage: Storage) -> None:
    alice, bob, _, _ = await people(storage)
    stored = await storage.announcements.add(draft(), utcnow())
    await storage.announcements.dismiss(stored.id, alice, utcnow())
    await storage.announcements.dismiss(stored.id, alice, utcnow())
    first = await storage.announcements.react(stored.id, alice, "👍", utcnow())
    again = await storage.announcements.react(stored.id, alice, "👍", utcnow())
    await storage.announcements.react(stored.id, bob, "👍", utcnow())
    await storage.announcements.react(stored.id, bob, "🎉", utcnow())

    reactions = (await storage.announcements.reactions([stored.id], alice))[stored.id]
    assert await storage.announcements.dismissed(alice, [stored.id]) == frozenset({stored.id})
    assert await storage.announcements.dismissed(bob, [stored.id]) == frozenset()
    assert (await storage.announcements.dismiss_counts([stored.id]))[stored.id] == 1
    assert first is True
    assert again is False
    assert [(r.name, r.count, r.me) for r in reactions] == [("👍", 2, True), ("🎉", 1, False)]
    assert await storage.announcements.unreact(stored.id, bob, "🎉") is True
    assert await storage.announcements.reaction_count(stored.id, "🎉") == 0


async def test_update_replaces_text_times_and_audience_and_delete_removes(storage: Storage) -> None:
    alice, bob, sales, _ = await people(storage)
    stored = await storage.announcements.add(draft(departments=(sales,)), utcnow())
    updated = await storage.announcements.update(stored.id, draft("Changed"), utcnow())

    assert updated is not None
    assert updated.text == "Changed"
    assert updated.department_ids == ()
    assert [a.id for a in await storage.announcements.for_account(bob, utcnow())] == [stored.id]
    assert await storage.announcements.update(stored.id + 1, draft(), utcnow()) is None
    assert await storage.announcements.delete(stored.id) is True
    assert await storage.announcements.get(stored.id) is None
    assert list(await storage.announcements.for_account(alice, utcnow())) == []


async def test_important_posts_reach_home_by_author_and_expire(storage: Storage) -> None:
    alice, bob, sales, company = await people(storage)
    by_sales = await storage.statuses.create(NewStatus(sales, Visibility.PUBLIC, text="quota", content="<p>q</p>"))
    by_company = await storage.statuses.create(NewStatus(company, Visibility.PUBLIC, text="all", content="<p>a</p>"))
    until = utcnow() + timedelta(days=1)
    await storage.important_statuses.mark(by_sales.id, until, "user:1", utcnow())
    await storage.important_statuses.mark(by_company.id, until, "user:1", utcnow())

    assert [i.status_id for i in await storage.important_statuses.for_home(alice, utcnow())] == [
        by_company.id, by_sales.id]
    assert [i.status_id for i in await storage.important_statuses.for_home(bob, utcnow())] == [by_company.id]
    assert [i.status_id for i in await storage.important_statuses.by_author(sales, utcnow())] == [by_sales.id]
    assert list(await storage.important_statuses.audience_ids(sales, everyone=False)) == [alice]
    assert list(await storage.important_statuses.audience_ids(company, everyone=True)) == sorted([alice, bob])
    later = utcnow() + timedelta(days=2)
    assert list(await storage.important_statuses.for_home(alice, later)) == []
    assert await storage.important_statuses.unmark(by_sales.id) is True
    assert set(await storage.important_statuses.current([by_sales.id, by_company.id], utcnow())) == {by_company.id}


async def test_status_notifications_in_bulk_skip_blockers_muters_and_repeats(storage: Storage) -> None:
    alice, bob, sales, company = await people(storage)
    carol = (await storage.accounts.create_local(new_account("carol"), new_user("carol@corp.example"))).id
    dave = (await storage.accounts.create_local(new_account("dave"), new_user("dave@corp.example"))).id
    post = await storage.statuses.create(NewStatus(company, Visibility.PUBLIC, text="all", content="<p>a</p>"))
    await storage.relationships.block(bob, company)
    await storage.relationships.mute(carol, company, notifications=True)

    made = await storage.notifications.add_many([alice, bob, carol, dave, company], company, "status", post.id)
    again = await storage.notifications.add_many([alice, dave], company, "status", post.id)

    assert sorted(n.account_id for n in made) == sorted([alice, dave])
    assert all(n.type == "status" and n.status_id == post.id for n in made)
    assert list(again) == []
    assert sales not in [n.account_id for n in made]
