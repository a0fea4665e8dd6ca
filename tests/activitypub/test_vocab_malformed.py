"""Hand-made hostile and broken documents: each must end in MalformedActivity."""

from __future__ import annotations

import contextlib
import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from activitypub.errors import BadRequest, MalformedActivity
from activitypub.parse import (
    Limits,
    check_limits,
    host_of,
    parse_activity,
    parse_actor,
    parse_any,
    parse_object,
    same_origin,
)
from activitypub.vocab import Activity

ACTOR: dict[str, Any] = {
    "id": "https://remote.example/users/alice",
    "type": "Person",
    "preferredUsername": "alice",
    "inbox": "https://remote.example/users/alice/inbox",
}
NOTE: dict[str, Any] = {
    "id": "https://remote.example/notes/1",
    "type": "Note",
    "attributedTo": "https://remote.example/users/alice",
    "content": "<p>hi</p>",
    "to": "as:Public",
}
ACTIVITY: dict[str, Any] = {
    "id": "https://remote.example/activities/1",
    "type": "Like",
    "actor": "https://remote.example/users/alice",
    "object": "https://local.example/notes/9",
}
Parser = Callable[..., object]


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    for key, value in changes.items():
        if value is _DROP:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


_DROP = object()


def test_minimal_documents_parse() -> None:
    assert parse_actor(ACTOR).id == ACTOR["id"]
    note = parse_object(NOTE)
    assert note.is_public and note.content_html == "<p>hi</p>"
    assert parse_activity(ACTIVITY).object_id == ACTIVITY["object"]


def test_malformed_is_a_bad_request() -> None:
    with pytest.raises(BadRequest) as caught:
        parse_actor({})
    assert caught.value.status_code == 400
    assert isinstance(caught.value, MalformedActivity)
    assert "id" in str(caught.value) or "type" in str(caught.value)


@pytest.mark.parametrize("doc", [None, "https://x.example/a", 42, 1.5, True, [ACTOR], b"{}"])
@pytest.mark.parametrize("parser", [parse_actor, parse_object, parse_activity, parse_any])
def test_non_objects_are_refused(parser: Parser, doc: Any) -> None:
    with pytest.raises(MalformedActivity, match="JSON object"):
        parser(doc)


BAD_IDS = [
    _DROP,
    None,
    "",
    "remote.example/users/alice",
    "/users/alice",
    "ftp://remote.example/users/alice",
    "javascript:alert(1)",
    "https://",
    "https://user:pw@remote.example/users/alice",
    "https://remote.example:99999/users/alice",
    "https://remote.example/users/al ice",
    "https://remote.example/" + "a" * 3000,
    42,
    ["https://remote.example/users/alice"],
    {"id": "https://remote.example/users/alice"},
]


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
@pytest.mark.parametrize(("parser", "base"), [(parse_actor, ACTOR), (parse_object, NOTE)])
def test_bad_ids(parser: Parser, base: dict[str, Any], bad: Any) -> None:
    with pytest.raises(MalformedActivity):
        parser(_with(base, id=bad))


@pytest.mark.parametrize("bad", BAD_IDS[2:], ids=repr)
def test_bad_activity_ids(bad: Any) -> None:
    # A missing or null id is allowed on activities (GoToSocial's Deletes); junk is not.
    with pytest.raises(MalformedActivity):
        parse_activity(_with(ACTIVITY, id=bad))


@pytest.mark.parametrize("bad", [_DROP, None, ["Person"], ["Person", "Service"], {"@id": "Person"}, 3, "Nonsense"])
def test_bad_actor_types(bad: Any) -> None:
    with pytest.raises(MalformedActivity):
        parse_actor(_with(ACTOR, type=bad))


@pytest.mark.parametrize("bad", [_DROP, ["Note"], 7, "Tombstone", "Person", "Create"])
def test_bad_object_types(bad: Any) -> None:
    with pytest.raises(MalformedActivity):
        parse_object(_with(NOTE, type=bad))


@pytest.mark.parametrize("bad", [_DROP, ["Like"], 1, "Person", "Note", "OrderedCollection"])
def test_bad_activity_types(bad: Any) -> None:
    with pytest.raises(MalformedActivity):
        parse_activity(_with(ACTIVITY, type=bad))


@pytest.mark.parametrize(
    "changes",
    [
        {"inbox": _DROP},
        {"inbox": 5},
        {"inbox": "/inbox"},
        {"inbox": ["https://remote.example/inbox"]},
        {"preferredUsername": _DROP},
        {"preferredUsername": ""},
        {"preferredUsername": ["alice"]},
        {"preferredUsername": 1},
        {"name": {"en": "Alice"}},
        {"name": 3},
        {"summary": ["x"]},
        {"name": "x" * 5000},
        {"tag": [{"type": "Emoji"}] * 500},
    ],
    ids=repr,
)
def test_bad_actor_fields(changes: dict[str, Any]) -> None:
    with pytest.raises(MalformedActivity):
        parse_actor(_with(ACTOR, **changes))


@pytest.mark.parametrize(
    "changes",
    [
        {"attributedTo": _DROP},
        {"attributedTo": 9},
        {"attributedTo": "alice"},
        {"attributedTo": [{"type": "Person"}]},
        {"summary": {"x": 1}},
        {"name": 4},
        {"to": ["https://a.example/u"] * 5000},
        {"attachment": [{"url": "https://a.example/x.png"}] * 100},
        {"oneOf": [{"name": "a"}] * 100},
    ],
    ids=repr,
)
def test_bad_object_fields(changes: dict[str, Any]) -> None:
    with pytest.raises(MalformedActivity):
        parse_object(_with(NOTE, **changes))


@pytest.mark.parametrize(
    "changes",
    [
        {"actor": _DROP},
        {"actor": None},
        {"actor": 1},
        {"actor": "alice"},
        {"actor": [{"name": "x"}]},
        {"object": _DROP},
        {"object": None},
        {"object": []},
        {"object": "not a uri"},
        {"object": 12},
        {"object": ["https://a.example/n"] * 500},
        {"summary": 5},
    ],
    ids=repr,
)
def test_bad_activity_fields(changes: dict[str, Any]) -> None:
    with pytest.raises(MalformedActivity):
        parse_activity(_with(ACTIVITY, **changes))


def test_unknown_activity_type_without_object_is_accepted() -> None:
    activity = parse_activity(_with(ACTIVITY, type="Arrive", object=_DROP))
    assert activity.type == "Arrive" and activity.object is None


def test_actor_as_embedded_object_or_list() -> None:
    assert parse_activity(_with(ACTIVITY, actor={"id": ACTOR["id"], "type": "Person"})).actor == ACTOR["id"]
    assert parse_activity(_with(ACTIVITY, actor=[ACTOR["id"]])).actor == ACTOR["id"]


@pytest.mark.parametrize(
    "changes",
    [
        {"published": 12},
        {"published": "yesterday"},
        {"sensitive": "yes"},
        {"inReplyTo": {"nope": 1}},
        {"url": 3},
        {"tag": "#notatag"},
        {"tag": [1, None, {"type": "Mention"}, {"type": "Mention", "href": "nope"}, {"type": "Hashtag", "name": "#"}]},
        {"attachment": [1, {"url": None}, {"type": "Image"}, {"url": "javascript:x"}]},
        {"contentMap": "fr"},
        {"language": 1},
        {"oneOf": ["a", {"name": 1}, {"name": "ok", "replies": {"totalItems": -3}}]},
        {"endTime": False},
        {"votersCount": "10"},
        {"quoteUrl": 5},
    ],
    ids=repr,
)
def test_junk_in_optional_fields_is_dropped_not_fatal(changes: dict[str, Any]) -> None:
    """Decoration that is the wrong shape is ignored: losing an emoji beats losing the post."""
    note = parse_object(_with(NOTE, **changes))
    assert note.id == NOTE["id"]
    assert note.mentions == () and note.hashtags == () and note.attachments == ()
    assert all(option.votes >= 0 for option in note.poll_options)


def _nested(depth: int) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    inner = doc
    for _ in range(depth):
        inner["x"] = {}
        inner = inner["x"]
    return doc


@pytest.mark.parametrize("parser", [parse_actor, parse_object, parse_activity])
def test_deep_nesting_is_refused(parser: Parser) -> None:
    for base in (ACTOR, NOTE, ACTIVITY):
        with pytest.raises(MalformedActivity, match="nested deeper"):
            parser(_with(base, junk=_nested(50)))


def test_very_deep_nesting_does_not_recurse() -> None:
    with pytest.raises(MalformedActivity):
        check_limits(_nested(100_000))


def test_deep_lists_count_as_nesting() -> None:
    doc: list[Any] = []
    inner = doc
    for _ in range(30):
        inner.append([])
        inner = inner[0]
    with pytest.raises(MalformedActivity):
        check_limits({"a": doc})


def test_node_budget() -> None:
    with pytest.raises(MalformedActivity, match="more than"):
        parse_object(_with(NOTE, junk=list(range(50_000))))
    check_limits({"a": list(range(100))}, Limits(max_nodes=200))
    with pytest.raises(MalformedActivity):
        check_limits({"a": list(range(300))}, Limits(max_nodes=200))


def test_limits_are_parameters() -> None:
    doc = _with(NOTE, tag=[{"type": "Hashtag", "name": "#a"}] * 3)
    assert len(parse_object(doc).hashtags) == 3
    with pytest.raises(MalformedActivity, match="tag"):
        parse_object(doc, limits=Limits(max_tags=2))
    with pytest.raises(MalformedActivity):
        parse_object(_with(NOTE, junk=_nested(5)), limits=Limits(max_depth=4))


def test_host_of() -> None:
    assert host_of("https://Remote.Example:8443/users/a") == "remote.example"
    assert host_of("http://localhost:8080/users/a") == "localhost"
    assert host_of("https://evil.example./x") == "evil.example"
    for bad in ("", "remote.example", "mailto:a@b.example", "https://u@h.example/"):
        with pytest.raises(MalformedActivity):
            host_of(bad)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://a.example/users/x", "https://a.example/inbox", True),
        ("https://a.example/x", "https://A.EXAMPLE:443/y", True),
        ("http://a.example/x", "http://a.example:80/y", True),
        ("https://a.example/x", "http://a.example/x", False),
        ("https://a.example/x", "https://a.example:8443/x", False),
        ("https://a.example/x", "https://b.a.example/x", False),
        ("https://a.example/x", "https://a.example.evil/x", False),
        ("https://a.example/x", "not a uri", False),
    ],
)
def test_same_origin(a: str, b: str, same: bool) -> None:
    assert same_origin(a, b) is same
    assert same_origin(b, a) is same


_JUNK: list[Any] = [
    None, True, 0, -1, 10**30, 1.5, float("nan"), "", "x", "as:Public", "https://a.example/x",
    [], {}, [None], [{}], {"id": 5}, {"type": ["A"]}, [1, 2], [[[]]], "\x00", "http://[::1",
    "https://a.example:99999/", "0001-01-01T00:00:00+23:59", {"type": "Person", "id": ["x"]},
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in children:
        found.extend(_paths(child, (*prefix, key)))
    return found


def test_mutated_fixtures_never_escape_as_other_errors(fixtures_dir: Path) -> None:
    """Seeded junk swapped into real documents: only MalformedActivity may come out."""
    rng = random.Random(20240601)
    originals = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((fixtures_dir / "remote").glob("*/*.json"))]
    for _ in range(3000):
        doc = copy.deepcopy(rng.choice(originals))
        for path in rng.sample(_paths(doc)[1:], k=min(3, len(_paths(doc)) - 1)):
            # An earlier swap may have replaced this path's parent; then skip it.
            with contextlib.suppress(IndexError, KeyError, TypeError):
                target = doc
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = copy.deepcopy(rng.choice(_JUNK))
        parsed: object = doc
        try:
            parsed = parse_any(doc)
            while isinstance(parsed, Activity) and parsed.embedded_object is not None:
                parsed = parse_any(parsed.embedded_object)
        except MalformedActivity:
            pass
