"""Rendering of local status text, modelled on Mastodon's text_formatter_spec."""

from __future__ import annotations

import anyio
import pytest

from activitypub.content import (
    Hashtag,
    MentionedAccount,
    RenderedContent,
    escape_html,
    render_status,
    render_status_async,
)

TAGS = "https://local.example/tags"
ALICE = MentionedAccount("1", "alice", "alice", "https://local.example/@alice")
REMOTE_ALICE = MentionedAccount("2", "alice", "alice@remote.example", "https://remote.example/@alice")
BOB = MentionedAccount("3", "bob", "bob@remote.example", "https://remote.example/users/bob")
ACCOUNTS = {
    ("alice", None): ALICE,
    ("alice", "local.example"): ALICE,
    ("alice", "remote.example"): REMOTE_ALICE,
    ("bob", "remote.example"): BOB,
}


def resolve(username: str, domain: str | None) -> MentionedAccount | None:
    return ACCOUNTS.get((username.lower(), domain.lower() if domain else None))


def render(text: str, author: MentionedAccount | None = None) -> RenderedContent:
    return render_status(text, resolve=resolve, tag_base_url=TAGS, author=author)


def html(text: str) -> str:
    return render(text).html


def link(url: str, prefix: str, display: str, suffix: str = "", ellipsis: bool = False) -> str:
    css = "ellipsis" if ellipsis else ""
    return (
        f'<a href="{url}" target="_blank" rel="nofollow noopener" translate="no">'
        f'<span class="invisible">{prefix}</span><span class="{css}">{display}</span>'
        f'<span class="invisible">{suffix}</span></a>'
    )


def mention(url: str, shown: str) -> str:
    return f'<span class="h-card" translate="no"><a href="{url}" class="u-url mention">@<span>{shown}</span></a></span>'


def hashtag(path: str, name: str) -> str:
    return f'<a href="{TAGS}/{path}" class="mention hashtag" rel="tag">#<span>{name}</span></a>'


# --- paragraphs and escaping ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("text", "<p>text</p>"),
        ("line\nfeed", "<p>line<br />feed</p>"),
        ("first paragraph\n\nsecond paragraph", "<p>first paragraph</p><p>second paragraph</p>"),
        ("a\n\n\n\nb", "<p>a</p><p>b</p>"),
        ("a\r\nb\r\n\r\nc", "<p>a<br />b</p><p>c</p>"),
        ("a\n\n \n\nb", "<p>a</p><p> </p><p>b</p>"),
        ("  \n padded \n\n", "<p>padded</p>"),
        ("", ""),
        ("   \n\t ", ""),
    ],
)
def test_paragraphs(text: str, expected: str) -> None:
    assert html(text) == expected


def test_escapes_like_erb() -> None:
    assert html("""<b>"it's" & more</b>""") == "<p>&lt;b&gt;&quot;it&#39;s&quot; &amp; more&lt;/b&gt;</p>"
    assert escape_html("'") == "&#39;"


@pytest.mark.parametrize(
    "text",
    [
        '<script>alert("Hello")</script>',
        """<img src="javascript:alert('XSS');">""",
        '<a href="javascript:alert(1)">x</a>',
        "\"><svg onload=alert(1)>",
    ],
)
def test_markup_in_text_is_inert(text: str) -> None:
    out = html(text)
    assert "<script" not in out and "<img" not in out and "<svg" not in out and "<a " not in out


def test_custom_emoji_shortcodes_stay_text() -> None:
    assert html("hi :blobcat:") == "<p>hi :blobcat:</p>"


# --- URLs -----------------------------------------------------------------------


def test_short_url() -> None:
    assert html("http://google.com") == "<p>" + link("http://google.com", "http://", "google.com") + "</p>"


def test_www_is_hidden_with_the_scheme() -> None:
    assert html("https://www.example.com/") == "<p>" + link("https://www.example.com/", "https://www.", "example.com/") + "</p>"


def test_long_url_is_cut_after_30_characters() -> None:
    url = "https://hackernoon.com/the-power-to-build-communities-a-response-to-mark-zuckerberg-3f2d4a5b6cd8"
    rest = url.removeprefix("https://")
    expected = link(url, "https://", rest[:30], rest[30:], ellipsis=True)
    assert html(url) == f"<p>{expected}</p>"


def test_exactly_30_characters_is_not_cut() -> None:
    url = "https://" + "a" * 26 + ".com"
    assert html(url) == "<p>" + link(url, "https://", "a" * 26 + ".com") + "</p>"


def test_url_with_trailing_period() -> None:
    url = "http://www.mcmansionhell.com/post/156408871451/50-states-of-mcmansion-hell-scottsdale-arizona"
    out = html(url + ". ")
    assert f'href="{url}"' in out
    assert out.endswith("</a>.</p>")


def test_url_between_parentheses() -> None:
    assert html("(http://google.com/)") == "<p>(" + link("http://google.com/", "http://", "google.com/") + ")</p>"


def test_url_with_query_is_escaped_in_href_and_text() -> None:
    out = html("https://www.ruby-toolbox.com/search?utf8=✓&q=autolink")
    assert 'href="https://www.ruby-toolbox.com/search?utf8=✓&amp;q=autolink"' in out
    assert "&q=" not in out


def test_idn_url() -> None:
    assert html("https://nic.みんな/") == "<p>" + link("https://nic.みんな/", "https://", "nic.みんな/") + "</p>"


def test_url_with_markup_after_it_is_cut_before_the_markup() -> None:
    out = html("http://example.com/b<del>b</del>")
    assert 'href="http://example.com/b"' in out
    assert "<del>" not in out
    out = html('http://example.com/blahblahblahblah/a<script>alert("Hello")</script>')
    assert "<script" not in out


def test_invalid_url_stays_text() -> None:
    assert html("http://www\\.google\\.com") == "<p>http://www\\.google\\.com</p>"


def test_non_http_schemes_are_not_linked() -> None:
    for text in ("ftp://example.com/x", "javascript:alert(1)", "gemini://example.com/"):
        assert "<a" not in html(text)


def test_url_in_japanese_quotes() -> None:
    assert html("「https://example.org/」") == "<p>「" + link("https://example.org/", "https://", "example.org/") + "」</p>"


def test_links_are_collected_once_in_order() -> None:
    result = render("https://b.example/ https://a.example/ https://b.example/")
    assert result.links == ("https://b.example/", "https://a.example/")


# --- hashtags -------------------------------------------------------------------


def test_hashtag() -> None:
    assert html("#hashtag") == "<p>" + hashtag("hashtag", "hashtag") + "</p>"


def test_unicode_hashtag_is_percent_encoded_in_href() -> None:
    assert html("#hashtagタグ") == "<p>" + hashtag("hashtag%E3%82%BF%E3%82%B0", "hashtagタグ") + "</p>"


def test_numeric_hashtag_is_text() -> None:
    assert html("#1 and #2024") == "<p>#1 and #2024</p>"


def test_hashtag_keeps_written_case_in_link_and_normalises_for_storage() -> None:
    result = render("#Café #cafe #CAFÉ #Other")
    assert hashtag("Caf%C3%A9", "Café") in result.html
    assert hashtag("CAF%C3%89", "CAFÉ") in result.html
    assert result.tags == (Hashtag("cafe", "Café"), Hashtag("other", "Other"))


def test_hashtag_inside_url_is_part_of_the_link() -> None:
    result = render("https://en.wikipedia.org/wiki/Ghostbusters_(song)#Lawsuit")
    assert result.tags == ()
    assert result.html.count("<a ") == 1


# --- mentions -------------------------------------------------------------------


def test_local_mention() -> None:
    result = render("@alice hi")
    assert result.html == "<p>" + mention("https://local.example/@alice", "alice") + " hi</p>"
    assert result.mentions == (ALICE,)


def test_remote_mention_shows_username_only() -> None:
    result = render("cc @bob@remote.example")
    assert result.html == "<p>cc " + mention("https://remote.example/users/bob", "bob") + "</p>"
    assert result.mentions == (BOB,)


def test_local_mention_written_with_local_domain() -> None:
    assert render("@alice@local.example").mentions == (ALICE,)


def test_unknown_mention_stays_text() -> None:
    result = render("@nobody and @nobody@nowhere.example")
    assert result.html == "<p>@nobody and @nobody@nowhere.example</p>"
    assert result.mentions == ()


def test_email_is_not_a_mention() -> None:
    assert html("mail alice@remote.example") == "<p>mail alice@remote.example</p>"


def test_mentions_are_deduplicated_in_order() -> None:
    result = render("@bob@remote.example @alice @BOB@remote.example @Alice")
    assert result.mentions == (BOB, ALICE)
    assert result.html.count('class="u-url mention"') == 4


def test_namesakes_are_shown_with_domain() -> None:
    out = html("@alice @alice@remote.example")
    assert mention("https://local.example/@alice", "alice") in out
    assert mention("https://remote.example/@alice", "alice@remote.example") in out


def test_namesake_of_author_is_shown_with_domain() -> None:
    out = render("@alice@remote.example", author=ALICE).html
    assert mention("https://remote.example/@alice", "alice@remote.example") in out


def test_resolver_called_once_per_account() -> None:
    calls: list[tuple[str, str | None]] = []

    def counting(username: str, domain: str | None) -> MentionedAccount | None:
        calls.append((username, domain))
        return resolve(username, domain)

    render_status("@alice @alice @Alice @nobody @nobody", resolve=counting, tag_base_url=TAGS)
    assert calls == [("alice", None), ("nobody", None)]


def test_mention_hashtag_and_url_together() -> None:
    result = render("Hey @alice, read https://example.com/x #Fediverse!\n@ghost")
    assert result.html == (
        "<p>Hey "
        + mention("https://local.example/@alice", "alice")
        + ", read "
        + link("https://example.com/x", "https://", "example.com/x")
        + " "
        + hashtag("Fediverse", "Fediverse")
        + "!<br />@ghost</p>"
    )


def test_async_renderer_matches_sync() -> None:
    async def async_resolve(username: str, domain: str | None) -> MentionedAccount | None:
        return resolve(username, domain)

    text = "@alice @bob@remote.example #tag https://example.com"

    async def main() -> RenderedContent:
        return await render_status_async(text, resolve=async_resolve, tag_base_url=TAGS)

    assert anyio.run(main) == render(text)
