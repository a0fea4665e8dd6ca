"""Extractor behaviour, modelled on Mastodon's tag_spec, account_spec and extractor_spec."""

from __future__ import annotations

import pytest

from activitypub.content import (
    HashtagSpan,
    MentionSpan,
    UrlSpan,
    display_hashtag,
    extract_entities,
    extract_hashtags,
    extract_mentions,
    extract_urls,
    normalize_hashtag,
)


def tag_names(text: str) -> list[str]:
    return [span.name for span in extract_hashtags(text)]


def urls(text: str) -> list[str]:
    return [span.url for span in extract_urls(text)]


def accts(text: str) -> list[str]:
    return [span.acct for span in extract_mentions(text)]


# --- hashtags -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello #3d", ["3d"]),
        ("hello #l33ts35k", ["l33ts35k"]),
        ("hello #world2016", ["world2016"]),
        ("hello #_test", ["_test"]),
        ("hello #test_", ["test_"]),
        ("hello #one_two_three", ["one_two_three"]),
        ("hello #one·two·three", ["one·two·three"]),
        ("testing #ぼっち・ざ・ろっく", ["ぼっち・ざ・ろっく"]),
        ("just add #نرم\u200cافزار and", ["نرم\u200cافزار"]),
        ("\ufeffthis is #ａｅｓｔｈｅｔｉｃ", ["ａｅｓｔｈｅｔｉｃ"]),
        ("#hashtagタグ", ["hashtagタグ"]),
        ("नमस्ते #हिन्दी", ["हिन्दी"]),
        ("hello #one·two·three·", ["one·two·three"]),
        ("(#tag)", ["tag"]),
        ("foo_#bar", ["bar"]),
        ("#a #b", ["a", "b"]),
    ],
)
def test_hashtags_found(text: str, expected: list[str]) -> None:
    assert tag_names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hello #0123456",
        "#1",
        "hello #·one·two·three",
        "Check this out https://medium.com/@alice/some-article#.abcdef123",
        "https://en.wikipedia.org/wiki/Ghostbusters_(song)#Lawsuit",
        "https://gcc.gnu.org/bugzilla/show_bug.cgi?id=111895#c4",
        "https://example.org/testé#foo",
        "https://en.wikipedia.org/wiki/Ghostbusters_(song)?foo=#Lawsuit",
        "word#tag",
        "path/#tag",
        "#",
        "# tag",
    ],
)
def test_not_hashtags(text: str) -> None:
    assert tag_names(text) == []


def test_hashtag_span_covers_the_hash() -> None:
    assert extract_hashtags("hi #there") == [HashtagSpan(3, 9, "there")]


def test_hashtag_directly_followed_by_url_drops_the_scheme() -> None:
    assert extract_hashtags("#hashtaghttps://example.com") == [HashtagSpan(0, 8, "hashtag")]
    assert extract_hashtags("#taghttp://example.com") == [HashtagSpan(0, 4, "tag")]


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Café", "cafe"),
        ("CAFE", "cafe"),
        ("ｃａｆｅ", "cafe"),
        ("Straße", "straße"),
        ("Ærø", "æro"),
        ("ŁÓDŹ", "lodz"),
        ("one·two", "one·two"),
        ("タグ", "タグ"),
        ("हिन्दी", "हिन्दी"),
    ],
)
def test_normalize_hashtag(raw: str, normalized: str) -> None:
    assert normalize_hashtag(raw) == normalized


def test_display_hashtag_keeps_case_and_drops_invalid_chars() -> None:
    assert display_hashtag("MyTag") == "MyTag"
    assert display_hashtag("a-b") == "ab"


# --- mentions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@alice", ["alice"]),
        ("hi @alice!", ["alice"]),
        ("@alice@example.com", ["alice@example.com"]),
        ("@alice@example.com's post", ["alice@example.com"]),
        ("@alice@sub.example.co.uk.", ["alice@sub.example.co.uk"]),
        ("@a.b-c_d", ["a.b-c_d"]),
        ("@user.", ["user"]),
        ("(@alice)", ["alice"]),
        ("@alice @bob @alice", ["alice", "bob", "alice"]),
        ("@Alice@Example.COM", ["Alice@Example.COM"]),
        ("@user@münchen.example", ["user@münchen.example"]),
    ],
)
def test_mentions_found(text: str, expected: list[str]) -> None:
    assert accts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "alice@example.com",
        "mail me at foo@bar.com",
        "https://example.com/@alice",
        "a=@alice",
        "@alice@",
        "@alice@example.com@",
        "@alicé",
        "@alice://x",
        "@",
        "@ alice",
        "@-alice",
    ],
)
def test_not_mentions(text: str) -> None:
    assert accts(text) == []


def test_mention_span_parts() -> None:
    assert extract_mentions("cc @bob@x.org") == [MentionSpan(3, 13, "bob", "x.org")]
    assert extract_mentions("@bob")[0].domain is None


# --- URLs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://google.com", "http://google.com"),
        ("https://example.gay", "https://example.gay"),
        ("https://nic.みんな/", "https://nic.みんな/"),
        ("see http://example.com/foo. Then", "http://example.com/foo"),
        ("(http://google.com/)", "http://google.com/"),
        ('"http://google.com/"', "http://google.com/"),
        ("'http://google.com/'", "http://google.com/"),
        ("http://example.com/?", "http://example.com/"),
        ("http://example.com/!", "http://example.com/"),
        ("http://example.com/,", "http://example.com/"),
        ("http://example.com/foo:", "http://example.com/foo"),
        ("<https://en.wikipedia.org/wiki/Diaspora_(software)>", "https://en.wikipedia.org/wiki/Diaspora_(software)"),
        ("https://en.wikipedia.org/wiki/Diaspora_(software)", "https://en.wikipedia.org/wiki/Diaspora_(software)"),
        ("(see https://example.com/a_(b))", "https://example.com/a_(b)"),
        ("https://example.com/a_(b", "https://example.com/a_"),
        ("https://www.ruby-toolbox.com/search?utf8=✓&q=autolink", "https://www.ruby-toolbox.com/search?utf8=✓&q=autolink"),
        ("https://ja.wikipedia.org/wiki/日本", "https://ja.wikipedia.org/wiki/日本"),
        ("https://ko.wikipedia.org/wiki/대한민국", "https://ko.wikipedia.org/wiki/대한민국"),
        ("https://baike.baidu.com/item/中华人民共和国", "https://baike.baidu.com/item/中华人民共和国"),
        ("https://example.com/\u3000abc123", "https://example.com/"),
        ("「https://example.org/」", "https://example.org/"),
        ("HTTPS://EXAMPLE.COM/x", "HTTPS://EXAMPLE.COM/x"),
        ("https://example.com:8443/p", "https://example.com:8443/p"),
        ("https://example.com/page#section", "https://example.com/page#section"),
        ("https://sub_domain.example.com", "https://sub_domain.example.com"),
        ("https://xn--n3h.example.xn--p1ai/", "https://xn--n3h.example.xn--p1ai/"),
    ],
)
def test_urls_found(text: str, expected: str) -> None:
    assert urls(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "example.com",
        "www.example.com/path",
        "ftp://example.com/file",
        "javascript:alert(1)",
        "http://localhost:3000/",
        "http://192.168.0.1/",
        "foohttps://example.com",
        "@https://example.com",
        "#https://example.com",
        "$https://example.com",
        "http://example",
        "https://example.com2",
        "mailto:alice@example.com",
    ],
)
def test_not_urls(text: str) -> None:
    assert urls(text) == []


def test_url_span_offsets() -> None:
    assert extract_urls("go to https://x.org now") == [UrlSpan(6, 19, "https://x.org")]


# --- overlaps -----------------------------------------------------------------


def test_entities_are_ordered_and_never_overlap() -> None:
    text = "@bob see https://example.com/@carol#frag and #tag"
    entities = extract_entities(text)
    assert [type(e).__name__ for e in entities] == ["MentionSpan", "UrlSpan", "HashtagSpan"]
    assert all(a.end <= b.start for a, b in zip(entities, entities[1:]))


def test_url_swallows_hashtag_and_mention_inside_it() -> None:
    text = "https://example.com/foo_#bar"
    assert extract_hashtags(text) == [HashtagSpan(24, 28, "bar")]
    assert extract_entities(text) == [UrlSpan(0, 28, text)]


def test_long_pathological_inputs_finish() -> None:
    # Guard against catastrophic backtracking in the ported regexes.
    for text in ("a." * 2000, "https://" + "a" * 5000, "#" + "1" * 5000 + "!", "@" + "a." * 2000):
        extract_entities(text)
