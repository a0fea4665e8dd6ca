"""The pure Account converter: every Mastodon 4.3 field, and no internal bio outside."""

from __future__ import annotations

from datetime import UTC, date, datetime

from server.present.entities import AccountCounts, AccountSource, account_entity
from storage.models import Account, AccountKind

BASE = "https://social.example"
FIELDS = {
    "id", "username", "acct", "display_name", "locked", "bot", "discoverable", "indexable", "group", "created_at",
    "note", "url", "uri", "avatar", "avatar_static", "header", "header_static", "followers_count", "following_count",
    "statuses_count", "last_status_at", "hide_collections", "noindex", "emojis", "roles", "fields", "feature_approval",
}  # fmt: skip


def account(kind: AccountKind = AccountKind.EMPLOYEE, **overrides: object) -> Account:
    fields: dict[str, object] = {
        "id": 117677228198416123, "kind": kind, "username": "alice", "domain": None, "display_name": "Alice",
        "note": "Working on #roadmap & <secrets>", "public_note": "Hi there", "exposed": False,
        "created_at": datetime(2026, 3, 4, 15, 16, 17, tzinfo=UTC),
        "updated_at": datetime(2026, 3, 4, 15, 16, 17, tzinfo=UTC), "public_key_pem": "pem",
    }  # fmt: skip
    fields.update(overrides)
    return Account(**fields)  # type: ignore[arg-type]


def test_every_field_of_a_local_employee() -> None:
    counts = AccountCounts(followers=3, following=4, statuses=5, last_status_at=date(2026, 3, 5))

    entity = account_entity(account(), base_url=BASE, counts=counts)

    assert set(entity) == FIELDS
    assert entity["id"] == "117677228198416123" and entity["acct"] == "alice" and entity["group"] is False
    assert entity["created_at"] == "2026-03-04T00:00:00.000Z" and entity["last_status_at"] == "2026-03-05"
    assert (entity["url"], entity["uri"]) == (f"{BASE}/@alice", f"{BASE}/users/alice")
    assert entity["avatar"] == entity["avatar_static"] == f"{BASE}/avatars/original/missing.png"
    assert entity["header"] == f"{BASE}/headers/original/missing.png"
    assert (entity["followers_count"], entity["following_count"], entity["statuses_count"]) == (3, 4, 5)
    assert "&lt;secrets&gt;" in entity["note"] and f'href="{BASE}/tags/roadmap"' in entity["note"]


def test_departments_are_groups() -> None:
    assert account_entity(account(AccountKind.DEPARTMENT), base_url=BASE, counts=AccountCounts())["group"] is True


def test_outside_shows_the_public_bio_and_no_counts() -> None:
    entity = account_entity(account(), base_url=BASE, counts=AccountCounts(followers=9), outside=True,
                            source=AccountSource())  # fmt: skip
    assert entity["note"] == "<p>Hi there</p>" and entity["followers_count"] == 0 and "source" not in entity


def test_source_for_the_owner_has_the_plain_note() -> None:
    source = AccountSource(privacy="unlisted", language="fr", follow_requests_count=2, fields=(("Team", "Ops"),))
    entity = account_entity(account(), base_url=BASE, counts=AccountCounts(), source=source)
    assert entity["source"]["note"] == "Working on #roadmap & <secrets>"
    assert entity["source"]["privacy"] == "unlisted" and entity["source"]["follow_requests_count"] == 2
    assert entity["source"]["fields"] == [{"name": "Team", "value": "Ops", "verified_at": None}]


def test_remote_accounts_use_their_urls_and_have_no_noindex() -> None:
    remote = account(AccountKind.REMOTE, domain="other.example", note="<p>Remote</p>",
                     uri="https://other.example/users/alice", url="https://other.example/@alice")  # fmt: skip
    entity = account_entity(remote, base_url=BASE, counts=AccountCounts(), avatar_url="https://cdn.example/a.png")
    assert entity["acct"] == "alice@other.example" and entity["url"] == "https://other.example/@alice"
    assert entity["note"] == "<p>Remote</p>" and "noindex" not in entity and entity["avatar"] == "https://cdn.example/a.png"
