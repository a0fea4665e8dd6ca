"""Pure parsing for preview cards: which link a post previews, and what a page says about itself."""

from __future__ import annotations

from activitypub.content.link_preview import first_link, parse_page

OWN = "local.example"


def test_the_first_plain_link_wins_over_mentions_and_hashtags() -> None:
    html = ('<p><span class="h-card"><a href="https://remote.example/@bob" class="u-url mention">@bob</a></span> '
            '<a href="https://remote.example/tags/x" class="mention hashtag" rel="tag">#x</a> '
            '<a href="https://news.example/a">a</a> <a href="https://news.example/b">b</a></p>')
    assert first_link(html, OWN) == "https://news.example/a"


def test_links_to_ourselves_and_non_web_links_are_never_previewed() -> None:
    html = ('<a href="https://local.example/@alice/1">ours</a> <a href="https://media.local.example/x">ours</a>'
            ' <a href="mailto:a@b.example">mail</a> <a href="https://user:pw@news.example/">creds</a>'
            ' <a href="/relative">rel</a>')
    assert first_link(html, OWN) is None
    assert first_link("<p>no links</p>", OWN) is None


def test_opengraph_comes_first_then_twitter_then_plain_html() -> None:
    page = """<html lang="de-AT"><head><title> Plain  title </title>
      <meta name="twitter:title" content="Twitter title">
      <meta property="og:title" content="OG &amp; title">
      <meta name="description" content="Plain description">
      <meta name="twitter:image" content="https://cdn.example/t.jpg">
      <meta property="og:image" content="/og.jpg"><meta property="og:image:width" content="1200">
      <meta property="og:image:height" content="x"><meta property="og:site_name" content="Site">
    </head></html>"""

    meta = parse_page(page, "https://news.example/story/1")

    assert meta.title == "OG & title" and meta.description == "Plain description"
    assert meta.image_url == "https://news.example/og.jpg" and meta.width == 1200 and meta.height == 0
    assert meta.provider_name == "Site" and meta.language == "de"


def test_a_page_without_meta_falls_back_to_its_title() -> None:
    meta = parse_page("<title>Just\n a   title</title><p>body</p>", "https://news.example/")
    assert meta.title == "Just a title" and meta.description == "" and meta.image_url is None
    assert meta.language is None


def test_values_are_capped_and_images_must_be_web_urls() -> None:
    page = (f'<meta property="og:title" content="{"t" * 5000}">'
            '<meta property="og:image" content="javascript:alert(1)">')
    meta = parse_page(page, "https://news.example/")
    assert len(meta.title) == 300 and meta.image_url is None


def test_broken_html_does_not_break_parsing() -> None:
    meta = parse_page('<meta property="og:title" content="Fine"><div <<< </meta <title>', "https://n.example/")
    assert meta.title == "Fine"
