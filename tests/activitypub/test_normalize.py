"""The shape-flattening helpers, one quirk at a time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from activitypub import normalize as n
from activitypub.context import (
    AS_CONTEXT,
    EXTENSIONS,
    PUBLIC,
    SECURITY_CONTEXT,
    activity_context,
    actor_context,
    build_context,
    full_context,
    note_context,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, []), ("a", ["a"]), (["a", "b"], ["a", "b"]), ({"id": "a"}, [{"id": "a"}]), ([], [])],
)
def test_as_list(value: Any, expected: list[Any]) -> None:
    assert n.as_list(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://a.example/x", "https://a.example/x"),
        ({"id": "https://a.example/x", "type": "Person"}, "https://a.example/x"),
        ({"type": "Link", "href": "https://a.example/x"}, "https://a.example/x"),
        ([{"name": "no id"}, "https://a.example/y"], "https://a.example/y"),
        ({"id": 5}, None),
        (None, None),
        (12, None),
    ],
)
def test_ref_id(value: Any, expected: str | None) -> None:
    assert n.ref_id(value) == expected


@pytest.mark.parametrize("spelling", [PUBLIC, "as:Public", "Public"])
def test_public_spellings_are_canonicalised(spelling: str) -> None:
    addresses = n.audience([spelling, "https://a.example/followers"])
    assert addresses == (PUBLIC, "https://a.example/followers")
    assert n.is_public(addresses)
    assert n.is_public([], [spelling])


def test_audience_shapes() -> None:
    assert n.audience("https://a.example/u") == ("https://a.example/u",)
    assert n.audience(None) == ()
    assert n.audience([PUBLIC, "as:Public", {"id": "https://a.example/u"}, 3]) == (PUBLIC, "https://a.example/u")
    assert not n.is_public(("https://a.example/u",))
    assert not n.is_public(("https://www.w3.org/ns/activitystreams#public",))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://a.example/users/x#main-key", True),
        ("http://localhost:8080/users/x", True),
        ("HTTPS://A.EXAMPLE/", True),
        ("https://[::1]:8443/x", True),
        ("https://a.example/x?y=1&z=@b", True),
        ("https://a@b.example/", False),
        ("https://a.example:0x50/", False),
        ("https:///path", False),
        ("//a.example/x", False),
        ("data:text/plain,hi", False),
        ("https://a.example/\nx", False),
        ("https://a.example/<x>", False),
        (None, False),
        (b"https://a.example/", False),
    ],
)
def test_is_http_uri(value: Any, ok: bool) -> None:
    assert n.is_http_uri(value) is ok


def test_content_and_language() -> None:
    assert n.content_of({"content": "<p>a</p>", "contentMap": {"de": "<p>b</p>"}}) == "<p>a</p>"
    assert n.content_of({"contentMap": {"de": "<p>b</p>"}}) == "<p>b</p>"
    assert n.content_of({"content": None, "contentMap": {"de": 1, "fr": "x"}}) == "x"
    assert n.content_of({"content": ["x"]}) is None
    assert n.content_of({"summaryMap": {"en": "cw"}}, "summary") == "cw"
    both = {"content": "b", "contentMap": {"en": "a", "fr": "b"}}
    assert n.language_of(both) == "fr"
    assert n.language_of({"contentMap": {"not a tag!": "x", "pt-BR": "y"}}) == "pt-BR"
    assert n.language_of({"language": {"identifier": "fr", "name": "Français"}}) == "fr"
    assert n.language_of({"language": [{"identifier": "de"}]}) == "de"
    assert n.language_of({"inLanguage": "en"}) == "en"
    assert n.language_of({"language": "<script>"}) is None
    assert n.language_of({}) is None


def test_pick_url() -> None:
    links = [
        {"type": "Link", "mediaType": "application/x-mpegURL", "href": "https://a.example/x.m3u8"},
        {"type": "Link", "mediaType": "text/html", "href": "https://a.example/watch"},
    ]
    assert n.pick_url(links) == "https://a.example/watch"
    assert n.pick_url(links, prefer=None) == "https://a.example/x.m3u8"
    assert n.pick_url("https://a.example/p") == "https://a.example/p"
    assert n.pick_url([{"mimeType": "text/html", "href": "https://a.example/fw"}]) == "https://a.example/fw"
    assert n.pick_url([{"href": "https://a.example/a"}, "https://a.example/b"]) == "https://a.example/b"
    assert n.pick_url({"type": "Link", "url": "https://a.example/nested"}) == "https://a.example/nested"
    assert n.pick_url([1, None]) is None


def test_pick_image_url() -> None:
    assert n.pick_image_url({"type": "Image", "url": "https://a.example/i.png"}) == "https://a.example/i.png"
    assert n.pick_image_url("https://a.example/i.png") == "https://a.example/i.png"
    sizes = [
        {"type": "Image", "url": "https://a.example/48.jpg", "width": 48},
        {"type": "Image", "url": "https://a.example/120.jpg", "width": 120},
        {"type": "Image", "url": "https://a.example/bool.jpg", "width": True},
    ]
    assert n.pick_image_url(sizes) == "https://a.example/120.jpg"
    linked = {"type": "Image", "url": [{"href": "https://a.example/l.png"}]}
    assert n.pick_image_url(linked) == "https://a.example/l.png"
    assert n.pick_image_url({"type": "Image"}) is None
    assert n.pick_image_url(None) is None


def test_pick_attributed_to() -> None:
    peertube = [
        {"type": "Group", "id": "https://a.example/channel"},
        {"type": "Person", "id": "https://a.example/account"},
    ]
    assert n.pick_attributed_to(peertube) == "https://a.example/account"
    assert n.pick_attributed_to("https://a.example/u") == "https://a.example/u"
    assert n.pick_attributed_to([{"type": "Group", "id": "https://a.example/g"}]) == "https://a.example/g"
    assert n.pick_attributed_to({"id": "https://a.example/u"}) == "https://a.example/u"
    assert n.pick_attributed_to(None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-09-12T00:00:00Z", datetime(2024, 9, 12, tzinfo=UTC)),
        ("2022-08-01T11:06:49.568Z", datetime(2022, 8, 1, 11, 6, 49, 568000, tzinfo=UTC)),
        ("2021-09-11T11:45:37+02:00", datetime(2021, 9, 11, 9, 45, 37, tzinfo=UTC)),
        ("2022-01-07T16:07:43.665392+00:00", datetime(2022, 1, 7, 16, 7, 43, 665392, tzinfo=UTC)),
        ("2019-09-19T00:32:36.785333", datetime(2019, 9, 19, 0, 32, 36, 785333, tzinfo=UTC)),
        ("2026-07-12T19:30:38.560996451Z", datetime(2026, 7, 12, 19, 30, 38, 560996, tzinfo=UTC)),
        ("2021-03-01T13:42:43-05:30", datetime(2021, 3, 1, 19, 12, 43, tzinfo=UTC)),
        ("yesterday", None),
        ("2021-13-01T00:00:00Z", None),
        ("", None),
        (1700000000, None),
        (None, None),
        ("2" * 500, None),
    ],
)
def test_parse_datetime(value: Any, expected: datetime | None) -> None:
    parsed = n.parse_datetime(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == timedelta(0)
        assert parsed.tzinfo is not None and parsed.tzinfo.utcoffset(None) == UTC.utcoffset(None)


def test_scalar_helpers() -> None:
    assert n.optional_bool(True) is True
    assert n.optional_bool(None) is None
    assert n.optional_bool("true") is None
    assert n.optional_int(3) == 3
    assert n.optional_int(True) is None
    assert n.optional_int(-1) is None
    assert n.optional_int("3") is None
    assert n.get_term({"toot:discoverable": True}, "discoverable") is True
    assert n.get_term({"discoverable": False, "toot:discoverable": True}, "discoverable") is False
    assert n.first([]) is None and n.first("a") == "a"


# -- the @context we emit --------------------------------------------------


def test_actor_context_matches_mastodon() -> None:
    context = actor_context()
    assert context[:2] == [AS_CONTEXT, SECURITY_CONTEXT]
    terms = context[2]
    assert terms["manuallyApprovesFollowers"] == "as:manuallyApprovesFollowers"
    assert terms["toot"] == "http://joinmastodon.org/ns#"
    assert terms["featured"] == {"@id": "toot:featured", "@type": "@id"}
    assert terms["movedTo"] == {"@id": "as:movedTo", "@type": "@id"}
    assert terms["PropertyValue"] == "schema:PropertyValue" and terms["schema"] == "http://schema.org#"
    for term in ("discoverable", "indexable", "memorial", "suspended", "Emoji", "attributionDomains"):
        assert term in terms


def test_note_context_terms() -> None:
    terms = note_context()[2]
    assert terms["sensitive"] == "as:sensitive"
    assert terms["Hashtag"] == "as:Hashtag"
    assert terms["focalPoint"] == {"@container": "@list", "@id": "toot:focalPoint"}
    assert terms["blurhash"] == "toot:blurhash" and terms["votersCount"] == "toot:votersCount"


def test_contexts_are_fresh_and_serialisable() -> None:
    first = actor_context()
    first[2]["featured"]["@id"] = "mutated"
    assert actor_context()[2]["featured"]["@id"] == "toot:featured"
    assert EXTENSIONS["featured"]["featured"]["@id"] == "toot:featured"
    for context in (actor_context(), note_context(), full_context(), activity_context()):
        assert json.loads(json.dumps(context)) == context
    assert activity_context() == [AS_CONTEXT, SECURITY_CONTEXT]
    assert build_context((), security=False) == [AS_CONTEXT]
    with pytest.raises(KeyError):
        build_context(["no_such_extension"])
