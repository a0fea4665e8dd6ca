"""Conformance: single sign-on's rows, the provider's subject on a user and the sign-ins in flight."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from activitypub.errors import Conflict, NotFound
from storage.clock import utcnow
from storage.models import NewUser, Role
from storage.protocols import Storage
from storage.sso import PendingSsoSignIn
from tests.storage.factories import new_account

pytestmark = pytest.mark.anyio


def pending(state: str, minutes_ago: int = 0) -> PendingSsoSignIn:
    return PendingSsoSignIn(state_digest=state, browser_digest=f"browser-{state}", nonce="n", code_verifier="v",
                            return_to="/oauth/authorize?client_id=x", created_at=utcnow() - timedelta(minutes=minutes_ago))


async def test_a_user_is_linked_to_one_subject_and_a_subject_to_one_user(storage: Storage) -> None:
    alice = await storage.accounts.create_local(new_account("alice"), NewUser("alice@corp.example", "!"))
    bob = await storage.accounts.create_local(new_account("bob"), NewUser("bob@corp.example", "!", local_login=True))
    assert (await storage.accounts.get_user(alice.id)).sso_subject is None  # type: ignore[union-attr]
    await storage.accounts.link_sso_subject(alice.id, "sub-a")
    linked = await storage.accounts.get_user_by_sso_subject("sub-a")
    assert linked is not None and linked.account_id == alice.id and linked.sso_subject == "sub-a"
    with pytest.raises(NotFound):  # linked already: a link is never moved silently
        await storage.accounts.link_sso_subject(alice.id, "sub-other")
    with pytest.raises(Conflict):
        await storage.accounts.link_sso_subject(bob.id, "sub-a")
    assert await storage.accounts.get_user_by_sso_subject("sub-b") is None
    assert (await storage.accounts.get_user(bob.id)).local_login  # type: ignore[union-attr]


async def test_a_role_remembers_whether_the_provider_set_it(storage: Storage) -> None:
    alice = await storage.accounts.create_local(new_account("alice"), NewUser("alice@corp.example", "!"))
    await storage.accounts.set_role(alice.id, Role.PUBLISHER, from_idp=True)
    user = await storage.accounts.get_user(alice.id)
    assert user is not None and user.role is Role.PUBLISHER and user.role_from_idp
    await storage.accounts.set_role(alice.id, Role.PUBLISHER)
    user = await storage.accounts.get_user(alice.id)
    assert user is not None and not user.role_from_idp
    await storage.accounts.set_local_login(alice.id, True)
    assert (await storage.accounts.get_user(alice.id)).local_login  # type: ignore[union-attr]


async def test_a_sign_in_in_flight_is_taken_once(storage: Storage) -> None:
    await storage.sso_sign_ins.add(pending("s1"))
    taken = await storage.sso_sign_ins.take("s1")
    assert taken is not None and taken.browser_digest == "browser-s1" and taken.code_verifier == "v"
    assert taken.return_to == "/oauth/authorize?client_id=x"
    assert await storage.sso_sign_ins.take("s1") is None


async def test_racing_callbacks_with_one_state_get_it_once(storage: Storage) -> None:
    await storage.sso_sign_ins.add(pending("race"))
    results = await asyncio.gather(*(storage.sso_sign_ins.take("race") for _ in range(5)))
    assert sum(result is not None for result in results) == 1


async def test_abandoned_sign_ins_are_purged(storage: Storage) -> None:
    await storage.sso_sign_ins.add(pending("old", minutes_ago=30))
    await storage.sso_sign_ins.add(pending("new"))
    assert await storage.sso_sign_ins.purge(utcnow() - timedelta(minutes=10)) == 1
    assert await storage.sso_sign_ins.take("old") is None
    assert await storage.sso_sign_ins.take("new") is not None
