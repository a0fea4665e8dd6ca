"""federation.actor_documents: local accounts as actors, checked against Mastodon's output and our own parser."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from activitypub.actors import instance_actor_document, published_date, summary_html
from activitypub.context import actor_context
from activitypub.parse import parse_actor
from activitypub.signatures import generate_rsa_key, public_key_pem
from federation.actor_documents import actor_document, is_exposed
from storage.models import Account, AccountKind

BASE = "https://social.example.com"
CANARY = "INTERNAL-CANARY-42"
PEM = public_key_pem(generate_rsa_key())
CREATED = datetime(2024, 3, 5, 17, 45, tzinfo=UTC)

# Mastodon's E2EE ``devices`` endpoint: we have no devices to list.
NOT_SERVED = {"devices"}


def account(kind: AccountKind, username: str = "alice", **changes: object) -> Account:
    base = Account(
        id=1, kind=kind, username=username, domain=None, display_name="Alice Liddell", note=CANARY,
        public_note="Curious.", exposed=True, created_at=CREATED, updated_at=CREATED, public_key_pem=PEM,
        private_key_pem="secret",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def fixture(fixtures_dir: Path, name: str) -> dict[str, object]:
    document: dict[str, object] = json.loads((fixtures_dir / "remote" / "mastodon" / name).read_text())
    return document


def test_person_has_every_field_mastodon_serves_for_a_person(fixtures_dir: Path) -> None:
    mastodon = fixture(fixtures_dir, "actor-person.json")
    ours = actor_document(account(AccountKind.EMPLOYEE), base_url=BASE)
    assert set(mastodon) - NOT_SERVED <= set(ours)
    assert set(ours) - set(mastodon) == {"indexable", "memorial"}  # 4.3 additions, in our context


def test_person_fields_follow_mastodons_url_layout() -> None:
    doc = actor_document(account(AccountKind.EMPLOYEE), base_url=BASE)
    uri = f"{BASE}/users/alice"
    assert doc["@context"] == actor_context()
    assert (doc["id"], doc["type"], doc["preferredUsername"], doc["name"]) == (uri, "Person", "alice", "Alice Liddell")
    assert doc["url"] == f"{BASE}/@alice"
    assert [doc[k] for k in ("inbox", "outbox", "followers", "following")] == [
        f"{uri}/inbox", f"{uri}/outbox", f"{uri}/followers", f"{uri}/following"
    ]
    assert (doc["featured"], doc["featuredTags"]) == (f"{uri}/collections/featured", f"{uri}/collections/tags")
    assert doc["endpoints"] == {"sharedInbox": f"{BASE}/inbox"}
    assert doc["publicKey"] == {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": PEM}
    assert (doc["tag"], doc["attachment"]) == ([], [])
    assert (doc["discoverable"], doc["indexable"], doc["memorial"]) == (False, False, False)
    assert doc["summary"] == "<p>Curious.</p>"
    assert "icon" not in doc and "image" not in doc


@pytest.mark.parametrize(
    ("kind", "as_type"),
    [(AccountKind.DEPARTMENT, "Group"), (AccountKind.COMPANY, "Organization")],
)
def test_organisational_actors_auto_accept_and_are_discoverable(kind: AccountKind, as_type: str) -> None:
    doc = actor_document(account(kind, "sales", locked=True), base_url=BASE)
    assert doc["type"] == as_type
    assert doc["manuallyApprovesFollowers"] is False
    assert doc["discoverable"] is True and doc["indexable"] is False


@pytest.mark.parametrize("locked", [True, False])
def test_an_employee_approves_followers_when_locked(locked: bool) -> None:
    doc = actor_document(account(AccountKind.EMPLOYEE, locked=locked), base_url=BASE)
    assert doc["manuallyApprovesFollowers"] is locked


@pytest.mark.parametrize("kind", [AccountKind.EMPLOYEE, AccountKind.DEPARTMENT, AccountKind.COMPANY])
@pytest.mark.parametrize("public_view", [True, False])
def test_the_internal_note_never_appears(kind: AccountKind, public_view: bool) -> None:
    doc = actor_document(account(kind, public_note=""), base_url=BASE, public_view=public_view)
    assert CANARY not in json.dumps(doc)
    assert doc["summary"] == ""


def test_the_bare_form_drops_profile_text_but_keeps_ids_and_key() -> None:
    full = actor_document(account(AccountKind.EMPLOYEE, locked=True), base_url=BASE)
    bare = actor_document(account(AccountKind.EMPLOYEE, locked=True), base_url=BASE, public_view=False)
    assert (bare["name"], bare["summary"], bare["manuallyApprovesFollowers"]) == ("alice", "", False)
    assert {k: v for k, v in bare.items() if k not in ("name", "summary", "manuallyApprovesFollowers")} == {
        k: v for k, v in full.items() if k not in ("name", "summary", "manuallyApprovesFollowers")
    }


def test_an_empty_display_name_falls_back_to_the_username_as_mastodon_does() -> None:
    assert actor_document(account(AccountKind.EMPLOYEE, display_name=""), base_url=BASE)["name"] == "alice"


def test_the_public_note_is_escaped_into_paragraphs() -> None:
    assert summary_html('<script>alert("x")</script> & co') == (
        "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</p>"
    )
    assert summary_html("one\ntwo\n\nthree\r\n") == "<p>one<br />two</p><p>three</p>"
    assert summary_html("  \n\n ") == ""


def test_published_is_the_utc_midnight_of_the_creation_day() -> None:
    evening_in_new_york = datetime(2024, 3, 5, 21, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert published_date(evening_in_new_york) == "2024-03-06T00:00:00Z"
    assert actor_document(account(AccountKind.EMPLOYEE), base_url=BASE)["published"] == "2024-03-05T00:00:00Z"


@pytest.mark.parametrize("kind", [AccountKind.EMPLOYEE, AccountKind.DEPARTMENT, AccountKind.COMPANY])
def test_our_actors_parse_with_our_parser_and_meet_misskeys_requirements(kind: AccountKind) -> None:
    doc = json.loads(json.dumps(actor_document(account(kind, locked=True), base_url=BASE)))
    parsed = parse_actor(doc)
    assert parsed.id == f"{BASE}/users/alice"
    assert parsed.preferred_username == "alice" and parsed.inbox == f"{BASE}/users/alice/inbox"
    assert parsed.public_key_owner == parsed.id and parsed.public_key_id == f"{parsed.id}#main-key"
    assert parsed.public_key_pem == PEM
    assert parsed.shared_inbox == f"{BASE}/inbox"
    assert parsed.summary == "<p>Curious.</p>" and parsed.url == f"{BASE}/@alice"
    assert parsed.published == datetime(2024, 3, 5, tzinfo=UTC)
    assert parsed.group is (kind is AccountKind.DEPARTMENT) and not parsed.bot


def test_remote_accounts_are_not_rendered_as_ours() -> None:
    with pytest.raises(ValueError):
        actor_document(account(AccountKind.REMOTE, domain="elsewhere.example"), base_url=BASE)


@pytest.mark.parametrize(
    ("kind", "exposed", "domain", "expected"),
    [
        (AccountKind.COMPANY, False, None, True),
        (AccountKind.DEPARTMENT, True, None, True),
        (AccountKind.DEPARTMENT, False, None, False),
        (AccountKind.EMPLOYEE, False, None, False),
        (AccountKind.EMPLOYEE, True, None, True),
        (AccountKind.REMOTE, True, "elsewhere.example", False),
    ],
)
def test_who_is_exposed(kind: AccountKind, exposed: bool, domain: str | None, expected: bool) -> None:
    assert is_exposed(account(kind, exposed=exposed, domain=domain)) is expected


def test_instance_actor_has_exactly_the_fields_mastodon_restricts_it_to(fixtures_dir: Path) -> None:
    doc = instance_actor_document(base_url=BASE, domain="social.example.com", public_key_pem=PEM)
    assert set(doc) == {
        "@context", "id", "type", "preferredUsername", "inbox", "outbox", "publicKey", "endpoints", "url",
        "manuallyApprovesFollowers",
    }
    assert (doc["id"], doc["type"], doc["preferredUsername"]) == (f"{BASE}/actor", "Application", "social.example.com")
    assert doc["url"] == f"{BASE}/about/more?instance_actor=true"
    assert doc["manuallyApprovesFollowers"] is True
    assert doc["publicKey"] == {"id": f"{BASE}/actor#main-key", "owner": f"{BASE}/actor", "publicKeyPem": PEM}
    relay = fixture(fixtures_dir, "actor-application-relay.json")
    assert set(doc) - {"@context"} <= set(relay)


def test_instance_actor_parses_as_a_bot_application() -> None:
    parsed = parse_actor(instance_actor_document(base_url=BASE, domain="social.example.com", public_key_pem=PEM))
    assert parsed.bot and parsed.preferred_username == "social.example.com"
    assert parsed.public_key_owner == parsed.id and parsed.inbox == f"{BASE}/inbox"


def test_avatar_and_header_become_icon_and_image_on_our_host() -> None:
    document = actor_document(
        account(AccountKind.EMPLOYEE, avatar_path="accounts/abc/avatar.png", header_path="accounts/abc/header.jpg"),
        base_url=BASE,
    )
    assert document["icon"] == {"type": "Image", "mediaType": "image/png", "url": f"{BASE}/system/accounts/abc/avatar.png"}
    assert document["image"]["url"] == f"{BASE}/system/accounts/abc/header.jpg"
    assert "icon" not in actor_document(account(AccountKind.EMPLOYEE), base_url=BASE)
    assert "icon" not in actor_document(account(AccountKind.EMPLOYEE, avatar_path="accounts/abc/avatar.png"),
                                        base_url=BASE, public_view=False)
