"""Parse every real document in the test fixtures, and pin the values that matter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from activitypub.errors import MalformedActivity
from activitypub.parse import parse_activity, parse_actor, parse_any, parse_object
from activitypub.vocab import Activity, RemoteActor, RemoteNote
from tests.fixtures_path import REMOTE_FIXTURES as REMOTE

ALL_JSON = sorted(REMOTE.glob("*/*.json"))
# Collections are not actors, posts or activities: refusing them cleanly is the contract.
COLLECTIONS = {path for path in ALL_JSON if path.name.startswith("collection-")}
# Their source rewrote the actor's domain but not the activity id's: an id on another host is refused.
FOREIGN_IDS = {REMOTE / "misskey" / "like-emoji-reaction.json"}


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.fixture
def load(fixtures_dir: Path) -> Any:
    def read(name: str) -> Any:
        return json.loads((fixtures_dir / "remote" / name).read_text(encoding="utf-8"))

    return read


def test_fixture_set_is_present() -> None:
    assert len(ALL_JSON) >= 90, f"expected the test fixtures at {REMOTE}"


@pytest.mark.parametrize("path", ALL_JSON, ids=_id)
def test_every_fixture_parses_or_fails_cleanly(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    for parser in (parse_actor, parse_object, parse_activity, parse_any):
        try:
            parser(doc)
        except MalformedActivity as error:
            assert error.reason
    if path in COLLECTIONS:
        with pytest.raises(MalformedActivity):
            parse_any(doc)
    elif path in FOREIGN_IDS:
        with pytest.raises(MalformedActivity, match="not on the host of its actor"):
            parse_any(doc)
    else:
        parsed = parse_any(doc)
        assert isinstance(parsed, (RemoteActor, RemoteNote, Activity))


@pytest.mark.parametrize("path", [p for p in ALL_JSON if p.name.startswith("actor-")], ids=_id)
def test_every_actor_fixture_is_an_actor(path: Path) -> None:
    actor = parse_actor(json.loads(path.read_text(encoding="utf-8")))
    assert actor.inbox.startswith("http")
    assert actor.preferred_username


@pytest.mark.parametrize(
    "path",
    [p for p in ALL_JSON if p not in COLLECTIONS | FOREIGN_IDS and not p.name.startswith("actor-")],
    ids=_id,
)
def test_embedded_objects_parse_too(path: Path) -> None:
    """Objects inlined in activities are themselves parseable (or cleanly refused)."""
    parsed = parse_any(json.loads(path.read_text(encoding="utf-8")))
    while isinstance(parsed, Activity) and parsed.embedded_object is not None:
        try:
            parsed = parse_any(parsed.embedded_object)
        except MalformedActivity:
            break


def test_raw_http_capture_body_is_an_actor(fixtures_dir: Path) -> None:
    raw = (fixtures_dir / "remote" / "mastodon" / "http-actor-response.txt").read_text(encoding="utf-8")
    body = raw.replace("\r\n", "\n").split("\n\n", 1)[1]
    actor = parse_actor(json.loads(body))
    assert actor.id == "https://ap.example.com/users/foo"
    assert actor.public_key_id is not None


# -- actors ----------------------------------------------------------------


def test_mastodon_person(load: Any) -> None:
    actor = parse_actor(load("mastodon/actor-person.json"))
    base = "https://activitypub.academy/users/brauca_darradiul"
    assert actor.id == base
    assert actor.type == "Person"
    assert actor.preferred_username == "brauca_darradiul"
    assert actor.inbox == f"{base}/inbox"
    assert actor.shared_inbox == "https://activitypub.academy/inbox"
    assert actor.featured == f"{base}/collections/featured"
    assert actor.public_key_id == f"{base}#main-key"
    assert actor.public_key_owner == base
    assert actor.public_key_pem is not None and actor.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert actor.discoverable is False
    assert actor.bot is False
    assert actor.published == datetime(2024, 9, 12, tzinfo=UTC)


def test_mastodon_service_is_a_bot(load: Any) -> None:
    actor = parse_actor(load("mastodon/actor-service.json"))
    assert actor.bot
    assert actor.indexable is False
    assert [f.name for f in actor.fields] == ["code", "my user-agent", "coded by"]
    assert actor.icon_url is not None and actor.icon_url.endswith(".png")


def test_gotosocial_fields(load: Any) -> None:
    actor = parse_actor(load("gotosocial/actor-person-fields.json"))
    assert [(f.name, f.value) for f in actor.fields] == [("should you follow me?", "maybe!"), ("age", "120")]
    assert actor.manually_approves_followers is True
    assert actor.public_key_id == "http://localhost:8080/users/1happyturtle#main-key"
    assert actor.shared_inbox is None


def test_gotosocial_bot_application(load: Any) -> None:
    actor = parse_actor(load("gotosocial/actor-application-bot.json"))
    assert actor.type == "Application" and actor.bot


def test_gotosocial_single_emoji_tag(load: Any) -> None:
    actor = parse_actor(load("gotosocial/actor-person-emoji.json"))
    assert [e.shortcode for e in actor.emojis] == ["rainbow"]
    assert actor.emojis[0].media_type == "image/png"


def test_gotosocial_moved(load: Any) -> None:
    actor = parse_actor(load("gotosocial/actor-person-moved.json"))
    assert actor.moved_to == "http://localhost:8080/users/1happyturtle"
    assert actor.also_known_as == ("http://localhost:8080/users/1happyturtle",)


def test_misskey_actor(load: Any) -> None:
    actor = parse_actor(load("misskey/actor-person.json"))
    assert actor.preferred_username == "aimu"
    assert actor.shared_inbox == "https://misskey.io/inbox"
    assert actor.public_key_id == "https://misskey.io/users/83ssedkv53#main-key"
    assert actor.icon_url is not None and actor.image_url is not None


def test_lemmy_group(load: Any) -> None:
    actor = parse_actor(load("lemmy/actor-group.json"))
    assert actor.group and not actor.bot
    assert actor.id == "https://enterprise.lemmy.ml/c/tenforward"
    assert actor.inbox == "https://enterprise.lemmy.ml/c/tenforward/inbox"
    assert actor.shared_inbox == "https://enterprise.lemmy.ml/inbox"
    assert actor.public_key_id == "https://enterprise.lemmy.ml/c/tenforward#main-key"
    assert actor.icon_url == "https://enterprise.lemmy.ml/pictrs/image/waqyZwLAy4.webp"


def test_peertube_channel_picks_largest_avatar(load: Any) -> None:
    actor = parse_actor(load("peertube/actor-group-channel.json"))
    assert actor.group
    assert actor.icon_url == "https://tilvids.com/lazy-static/avatars/13b0214b-edc0-4c5b-a04d-be648a3a370a.jpg"
    assert actor.shared_inbox == "https://tilvids.com/inbox"
    person = parse_actor(load("peertube/actor-person.json"))
    assert person.public_key_id == "https://tilvids.com/accounts/thelinuxexperiment#main-key"


def test_mitra_multikey_without_public_key(load: Any) -> None:
    doc = load("mitra/actor-person-multikey.json")
    del doc["publicKey"]
    actor = parse_actor(doc)
    assert actor.public_key_pem is None and actor.public_key_id is None
    assert [k.id for k in actor.multikeys] == [
        "https://wizard.casa/users/hongminhee#main-key",
        "https://wizard.casa/users/hongminhee#ed25519-key",
    ]
    assert actor.multikeys[1].public_key_multibase.startswith("z6Mk")
    assert actor.multikeys[1].controller == actor.id


def test_mitra_with_public_key_keeps_both(load: Any) -> None:
    actor = parse_actor(load("mitra/actor-person-multikey.json"))
    assert actor.public_key_id == "https://wizard.casa/users/hongminhee#main-key"
    assert actor.public_key_pem is not None
    assert len(actor.multikeys) == 2


def test_takahe_prefixed_discoverable_and_single_field(load: Any) -> None:
    actor = parse_actor(load("takahe/actor-person.json"))
    assert actor.discoverable is True
    assert [f.name for f in actor.fields] == ["More details"]
    assert actor.id.endswith("/")


def test_smithereen_nested_icon(load: Any) -> None:
    actor = parse_actor(load("smithereen/actor-person.json"))
    assert actor.icon_url is not None and "/c:573:572:" in actor.icon_url


def test_gnusocial_foreign_key_owner_is_exposed(load: Any) -> None:
    """The group's key claims another owner; the verifier must get to see that."""
    actor = parse_actor(load("gnusocial/actor-group.json"))
    assert actor.public_key_owner == "https://instance.gnusocial.test/actor/2"
    assert actor.public_key_owner != actor.id
