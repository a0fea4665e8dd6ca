"""Auto-publish settings, department timeline modes, their change log, and posted-as audit lines."""

from __future__ import annotations

import pytest

from storage.identities import DepartmentTimeline, PostedAs
from storage.models import AccountKind, MemberRole, NewStatus, Page, StatusFilter, Visibility
from storage.protocols import Storage
from storage.review import AuditFilter
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


async def test_auto_publish_is_set_changed_cleared_and_every_change_logged(storage: Storage) -> None:
    alice = await storage.accounts.create_local(new_account("alice"), new_user("a@example.com"))
    assert await storage.policies.auto_publish([alice.id]) == {}

    first = await storage.policies.set_auto_publish(alice.id, True, actor="user:1", reason="press")
    changed = await storage.policies.set_auto_publish(alice.id, False, actor="user:2", reason=None)

    assert first.id == changed.id and changed.enabled is False and changed.set_by == "user:2"
    assert (await storage.policies.auto_publish([alice.id]))[alice.id].enabled is False
    assert [p.account_id for p in await storage.policies.auto_publish_settings()] == [alice.id]
    assert await storage.policies.clear_auto_publish(alice.id, actor="user:1", reason="done") is True
    assert await storage.policies.clear_auto_publish(alice.id, actor="user:1", reason="again") is False
    assert await storage.policies.auto_publish([alice.id]) == {}
    assert [(c.value, c.actor) for c in await storage.policies.changes(alice.id)] == [
        ("default", "user:1"), ("off", "user:2"), ("on", "user:1")]


async def test_department_timeline_defaults_to_both_and_its_change_is_logged(storage: Storage) -> None:
    sales = await storage.accounts.create_local(new_account("sales", AccountKind.DEPARTMENT))
    assert await storage.policies.department_timeline(sales.id) is DepartmentTimeline.BOTH
    await storage.policies.set_department_timeline(sales.id, DepartmentTimeline.MEMBERS, actor="user:9")
    assert await storage.policies.department_timeline(sales.id) is DepartmentTimeline.MEMBERS
    assert [(c.setting, c.value) for c in await storage.policies.changes()] == [("department_timeline", "members")]


async def test_department_timeline_query_keeps_mentions_member_posts_or_either(storage: Storage) -> None:
    sales = await storage.accounts.create_local(new_account("sales", AccountKind.DEPARTMENT))
    member = await storage.accounts.create_local(new_account("mem"), new_user("m@example.com"))
    other = await storage.accounts.create_local(new_account("oth"), new_user("o@example.com"))
    await storage.departments.set_member(sales.id, member.id, MemberRole.MEMBER)
    by_member = await storage.statuses.create(NewStatus(member.id, Visibility.PUBLIC, text="by member"))
    addressed = await storage.statuses.create(
        NewStatus(other.id, Visibility.PUBLIC, text="hi", mention_ids=(sales.id,)))
    as_dept = await storage.statuses.create(NewStatus(sales.id, Visibility.PUBLIC, text="as the department"))
    await storage.statuses.create(NewStatus(other.id, Visibility.PUBLIC, text="unrelated"))
    page, flt = Page(limit=20), StatusFilter()

    mentions = await storage.timelines.statuses(other.id, page, flt, mentioning=sales.id)
    members = await storage.timelines.statuses(other.id, page, flt, by_members_of=sales.id)
    both = await storage.timelines.statuses(other.id, page, flt, mentioning=sales.id, by_members_of=sales.id)

    assert list(mentions) == [addressed.id]
    assert list(members) == [as_dept.id, by_member.id]
    assert list(both) == [as_dept.id, addressed.id, by_member.id]


async def test_posted_as_lines_join_the_audit_log(storage: Storage) -> None:
    company = await storage.accounts.create_local(new_account("acme", AccountKind.COMPANY))
    status = await storage.statuses.create(NewStatus(company.id, Visibility.PUBLIC, text="hello"))
    await storage.policies.record_posted_as(PostedAs(status.id, 0, "user:5 as company:1", "posted as company by user:5",
                                                     {"human_id": "5"}))
    (entry,) = await storage.review.audit(AuditFilter(status_id=status.id), Page(limit=5))
    assert (entry.action, entry.actor, entry.from_state, entry.to_state, entry.detail) == (
        "post_as", "user:5 as company:1", "internal", "internal", {"human_id": "5"})
