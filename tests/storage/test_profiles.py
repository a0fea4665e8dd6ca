"""Conformance: profile settings, preferences, markers and the account directory."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.clock import utcnow
from storage.models import Account, FollowState, Page, RemoteProfile, Visibility
from storage.profiles import (
    AccountProfile,
    ExpandMedia,
    MarkerTimeline,
    Preferences,
    ProfileField,
    RelationshipFacts,
    SettingsChanges,
)
from storage.protocols import Storage
from tests.storage.factories import new_account

pytestmark = pytest.mark.anyio


async def _local(storage: Storage, username: str, display_name: str | None = None) -> Account:
    return await storage.accounts.create_local(new_account(username, display_name=display_name or username.title()))


async def test_settings_default_until_changed_then_partial_updates_keep_the_rest(storage: Storage) -> None:
    alice = await _local(storage, "alice")
    assert await storage.profiles.get(alice.id) == AccountProfile()
    assert await storage.profiles.preferences(alice.id) == Preferences()

    fields = (ProfileField("Pronouns", "she/her"), ProfileField("Desk", "4.21"))
    profile, prefs = await storage.profiles.update(alice.id, SettingsChanges(
        bot=True, hide_collections=True, fields=fields, visibility=Visibility.PRIVATE, language="fr",
        expand_media=ExpandMedia.SHOW_ALL,
    ))
    assert profile == AccountProfile(bot=True, discoverable=True, hide_collections=True, fields=fields)
    assert prefs.visibility is Visibility.PRIVATE and prefs.language == "fr" and prefs.sensitive is False

    profile, prefs = await storage.profiles.update(alice.id, SettingsChanges(sensitive=True, language=""))
    assert profile.fields == fields and profile.bot is True
    assert prefs == Preferences(Visibility.PRIVATE, True, None, ExpandMedia.SHOW_ALL, False)


async def test_get_many_fills_defaults_for_accounts_without_a_row(storage: Storage) -> None:
    alice, bob = await _local(storage, "alice"), await _local(storage, "bob")
    await storage.profiles.update(bob.id, SettingsChanges(discoverable=False))
    found = await storage.profiles.get_many([alice.id, bob.id, alice.id])
    assert found == {alice.id: AccountProfile(), bob.id: AccountProfile(discoverable=False)}


async def test_markers_bump_version_on_every_write(storage: Storage) -> None:
    alice = await _local(storage, "alice")
    assert await storage.markers.get(alice.id, [MarkerTimeline.HOME]) == {}
    first = await storage.markers.set(alice.id, MarkerTimeline.HOME, 100)
    second = await storage.markers.set(alice.id, MarkerTimeline.HOME, 90)  # last write wins, even backwards
    await storage.markers.set(alice.id, MarkerTimeline.NOTIFICATIONS, 7)
    assert (first.version, second.version, second.last_read_id) == (0, 1, 90)
    both = await storage.markers.get(alice.id, list(MarkerTimeline))
    assert {t: m.last_read_id for t, m in both.items()} == {MarkerTimeline.HOME: 90, MarkerTimeline.NOTIFICATIONS: 7}


async def test_search_prefers_the_exact_handle_then_local_accounts(storage: Storage) -> None:
    await _local(storage, "annabel", display_name="Annabel Lee")
    ann = await _local(storage, "ann", display_name="Ann")
    await _local(storage, "zed", display_name="Zed Annex")
    remote = await storage.accounts.upsert_remote(RemoteProfile(
        uri="https://remote.example/users/anna", username="anna", domain="remote.example", actor_type="Person",
        inbox_url="https://remote.example/users/anna/inbox",
    ))
    found = await storage.directory.search("ann", None, limit=10, offset=0)
    assert [a.username for a in found] == ["ann", "annabel", "zed", "anna"]
    exact_remote = await storage.directory.search("anna", "remote.example", limit=10, offset=0)
    assert [a.id for a in exact_remote] == [remote.id]
    assert found[0].id == ann.id
    only_remote = await storage.directory.search("ann", "remote", limit=10, offset=0)
    assert [a.id for a in only_remote] == [remote.id]
    assert [a.username for a in await storage.directory.search("ann", None, limit=2, offset=1)] == ["annabel", "zed"]
    assert await storage.directory.search("a%", None, limit=10, offset=0) == []  # LIKE wildcards are literal


async def test_search_following_only(storage: Storage) -> None:
    alice, ann, annie = await _local(storage, "alice"), await _local(storage, "ann"), await _local(storage, "annie")
    await storage.follows.follow(alice.id, ann.id, FollowState.ACCEPTED)
    await storage.follows.follow(alice.id, annie.id, FollowState.PENDING)
    found = await storage.directory.search("ann", None, limit=10, offset=0, following_of=alice.id)
    assert [a.id for a in found] == [ann.id]


async def test_relationship_facts_in_both_directions(storage: Storage) -> None:
    alice, bob, carol, dan = [await _local(storage, n) for n in ("alice", "bob", "carol", "dan")]
    await storage.follows.follow(alice.id, bob.id, FollowState.ACCEPTED, notify=True)
    await storage.follows.follow(bob.id, alice.id, FollowState.PENDING)
    await storage.relationships.block(carol.id, alice.id)
    await storage.relationships.mute(alice.id, dan.id, notifications=False)
    await storage.relationships.set_note(alice.id, dan.id, "met at the offsite")
    facts = await storage.directory.relationships(alice.id, [bob.id, carol.id, dan.id])
    assert facts[bob.id] == RelationshipFacts(following=True, showing_reblogs=True, notifying=True,
                                              requested_by=True)
    assert facts[carol.id] == RelationshipFacts(blocked_by=True)
    assert facts[dan.id] == RelationshipFacts(muting=True, muting_notifications=False, note="met at the offsite")


async def test_expired_mutes_are_neither_facts_nor_listed(storage: Storage) -> None:
    alice, bob, carol = [await _local(storage, n) for n in ("alice", "bob", "carol")]
    await storage.relationships.mute(alice.id, bob.id, expires_at=utcnow() - timedelta(seconds=1))
    await storage.relationships.mute(alice.id, carol.id)
    assert (await storage.directory.relationships(alice.id, [bob.id]))[bob.id].muting is False
    listed = await storage.directory.blocked_or_muted("mutes", alice.id, Page(limit=10))
    assert [a.id for _, a in listed] == [carol.id]


async def test_blocked_list_pages_by_block_id(storage: Storage) -> None:
    alice = await _local(storage, "alice")
    others = [await _local(storage, f"user{i}") for i in range(5)]
    for other in others:
        await storage.relationships.block(alice.id, other.id)
    first = await storage.directory.blocked_or_muted("blocks", alice.id, Page(limit=3))
    rest = await storage.directory.blocked_or_muted("blocks", alice.id, Page(limit=3, max_id=first[-1][0]))
    assert [a.id for _, a in [*first, *rest]] == [o.id for o in reversed(others)]
    upward = await storage.directory.blocked_or_muted("blocks", alice.id, Page(limit=2, min_id=rest[0][0]))
    assert [a.id for _, a in upward] == [others[3].id, others[2].id]


async def test_familiar_followers_are_people_i_follow_who_follow_them(storage: Storage) -> None:
    alice, bob, carol, dan = [await _local(storage, n) for n in ("alice", "bob", "carol", "dan")]
    await storage.follows.follow(alice.id, bob.id, FollowState.ACCEPTED)
    await storage.follows.follow(alice.id, carol.id, FollowState.ACCEPTED)
    await storage.follows.follow(bob.id, dan.id, FollowState.ACCEPTED)
    await storage.follows.follow(carol.id, dan.id, FollowState.PENDING)
    assert [a.id for a in await storage.directory.familiar_followers(alice.id, dan.id)] == [bob.id]
