"""Department membership, with a role per member."""

from __future__ import annotations

import pytest

from storage.models import AccountKind, MemberRole
from storage.protocols import Storage
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


async def test_members_are_added_promoted_and_removed(storage: Storage) -> None:
    department = await storage.accounts.create_local(new_account("eng", AccountKind.DEPARTMENT))
    alice = await storage.accounts.create_local(new_account("alice"), new_user("a@example.com"))
    bob = await storage.accounts.create_local(new_account("bob"), new_user("b@example.com"))

    await storage.departments.set_member(department.id, alice.id, MemberRole.MEMBER)
    await storage.departments.set_member(department.id, bob.id, MemberRole.MEMBER)
    promoted = await storage.departments.set_member(department.id, alice.id, MemberRole.PUBLISHER)

    assert promoted.role is MemberRole.PUBLISHER
    members = await storage.departments.members(department.id)
    assert {(m.account_id, m.role) for m in members} == {(alice.id, MemberRole.PUBLISHER), (bob.id, MemberRole.MEMBER)}
    assert [m.department_id for m in await storage.departments.memberships_of(alice.id)] == [department.id]

    assert await storage.departments.remove_member(department.id, bob.id) is True
    assert await storage.departments.remove_member(department.id, bob.id) is False
    assert [m.account_id for m in await storage.departments.members(department.id)] == [alice.id]


async def test_an_account_can_belong_to_several_departments(storage: Storage) -> None:
    eng = await storage.accounts.create_local(new_account("eng", AccountKind.DEPARTMENT))
    ops = await storage.accounts.create_local(new_account("ops", AccountKind.DEPARTMENT))
    alice = await storage.accounts.create_local(new_account("alice"), new_user("a@example.com"))

    await storage.departments.set_member(eng.id, alice.id, MemberRole.MEMBER)
    await storage.departments.set_member(ops.id, alice.id, MemberRole.PUBLISHER)

    memberships = await storage.departments.memberships_of(alice.id)
    assert {(m.department_id, m.role) for m in memberships} == {
        (eng.id, MemberRole.MEMBER),
        (ops.id, MemberRole.PUBLISHER),
    }
