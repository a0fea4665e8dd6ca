"""Remote HTML sanitising, modelled on Mastodon's sanitize_config_spec."""

from __future__ import annotations

import pytest

from activitypub.content import plain_text_from_html, sanitize_plain, sanitize_remote_html

REL = 'rel="nofollow noopener" target="_blank"'


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<a href="http://example.com">Test</a>', f'<a href="http://example.com" {REL}>Test</a>'),
        ('<a href="dweb:/a/foo">Test</a>', f'<a href="dweb:/a/foo" {REL}>Test</a>'),
        ('<a href="magnet:?xt=urn:btih:c12fe1">m</a>', f'<a href="magnet:?xt=urn:btih:c12fe1" {REL}>m</a>'),
        ('<a href="HTTPS://EXAMPLE.COM">up</a>', f'<a href="HTTPS://EXAMPLE.COM" {REL}>up</a>'),
        ("<a>Test</a>", "Test"),
        ('<a href="foo://bar">Test</a>', "Test"),
        ('<a href="/relative/path">Test</a>', "Test"),
        ('<a href="#anchor">Test</a>', "Test"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ('<a href=" JaVaScRiPt:alert(1)">click</a>', "click"),
        ('<a href="java&#x09;script:alert(1)">click</a>', "click"),
        ('<a href="data:text/html,<script>alert(1)</script>">d</a>', "d"),
        (
            '<a><span class="invisible">foo&amp;</span><span>Test</span></a>',
            '<span class="invisible">foo&amp;</span><span>Test</span>',
        ),
        ("<h1>Foo</h1>", "<p><strong>Foo</strong></p>"),
        ("<h6>Six</h6><p>body</p>", "<p><strong>Six</strong></p><p>body</p>"),
        ("<p>Check out:</p><ul><li>Foo</li><li>Bar</li></ul>", "<p>Check out:</p><ul><li>Foo</li><li>Bar</li></ul>"),
        ('<ol start="3" reversed=""><li value="4">Foo</li></ol>', '<ol start="3" reversed=""><li value="4">Foo</li></ol>'),
        ("<ruby>明日 <rp>(</rp><rt>Ashita</rt><rp>)</rp></ruby>", "<ruby>明日 <rp>(</rp><rt>Ashita</rt><rp>)</rp></ruby>"),
        (
            "<blockquote><pre><code>x &lt; y</code></pre></blockquote><del>d</del><s>s</s><b>b</b><u>u</u><i>i</i><em>e</em>",
            "<blockquote><pre><code>x &lt; y</code></pre></blockquote><del>d</del><s>s</s><b>b</b><u>u</u><i>i</i><em>e</em>",
        ),
        ("<p>line<br>break<br/>again</p>", "<p>line<br>break<br>again</p>"),
        ('<p>x<img src="https://example.com/a.png" alt="pic">y</p>', "<p>xy</p>"),
        ("<p>a<script>alert('XSS')</script>b</p>", "<p>ab</p>"),
        ("<p>a<style>p { color: red }</style>b</p>", "<p>ab</p>"),
        ("<p>a<iframe src='https://evil.example'>inner</iframe>b</p>", "<p>ab</p>"),
        ("<p>a<svg><text>s</text></svg>b</p>", "<p>ab</p>"),
        ("<p>a<!-- secret -->b</p>", "<p>ab</p>"),
        ("<div><section><p>nested</p></section></div>", "<p>nested</p>"),
        ("<table><tr><td>cell</td></tr></table>", "cell"),
        ("<font color=red><center>old</center></font>", "old"),
        ('<p style="color:red" onclick="x()" id="i" lang="en">styled</p>', "<p>styled</p>"),
        ('<span class="h-card p-name u-photo dt-start e-content mention hashtag ellipsis invisible">x</span>',
         '<span class="h-card p-name u-photo dt-start e-content mention hashtag ellipsis invisible">x</span>'),
        ('<span class="big red h-card">x</span>', '<span class="h-card">x</span>'),
        ('<span class="evil">x</span>', '<span class="">x</span>'),
        ('<span translate="no">x</span><span translate="yes">y</span>', '<span translate="no">x</span><span>y</span>'),
        ('<a href="https://a.example" rel="me tag" target="_self" class="mention">t</a>',
         f'<a href="https://a.example" class="mention" {REL}>t</a>'),
        ('<a href="https://a.example" onmouseover="alert(1)" style="x">y</a>', f'<a href="https://a.example" {REL}>y</a>'),
        ("a &amp; b &lt; c", "a &amp; b &lt; c"),
    ],
)
def test_sanitize(dirty: str, clean: str) -> None:
    assert sanitize_remote_html(dirty) == clean


def test_mastodon_link_markup_survives_unchanged_but_for_rel() -> None:
    mastodon = (
        '<p><span class="h-card" translate="no"><a href="https://m.example/@bob" class="u-url mention">'
        "@<span>bob</span></a></span> see "
        '<a href="https://example.com/a/very/long/path/indeed" target="_blank" rel="nofollow noopener" translate="no">'
        '<span class="invisible">https://</span><span class="ellipsis">example.com/a/very/long/path/i</span>'
        '<span class="invisible">ndeed</span></a> '
        '<a href="https://m.example/tags/Fediverse" class="mention hashtag" rel="tag">#<span>Fediverse</span></a></p>'
    )
    clean = sanitize_remote_html(mastodon)
    assert clean == (
        '<p><span class="h-card" translate="no"><a href="https://m.example/@bob" class="u-url mention" '
        f'{REL}>@<span>bob</span></a></span> see '
        f'<a href="https://example.com/a/very/long/path/indeed" translate="no" {REL}>'
        '<span class="invisible">https://</span><span class="ellipsis">example.com/a/very/long/path/i</span>'
        '<span class="invisible">ndeed</span></a> '
        f'<a href="https://m.example/tags/Fediverse" class="mention hashtag" {REL}>#<span>Fediverse</span></a></p>'
    )


@pytest.mark.parametrize(
    "attack",
    [
        "<img src=x onerror=alert(1)>",
        "<svg/onload=alert(1)>",
        "<scr<script>ipt>alert(1)</script>",
        '<a href="javascript&colon;alert(1)">x</a>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<p><a href='https://ok.example' onfocus=alert(1) autofocus>x</a></p>",
        "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
        "<form><button formaction=javascript:alert(1)>x</button></form>",
        "<object data='javascript:alert(1)'></object><embed src=x>",
        "<base href='javascript:/'><meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<<script>script>alert(1)<</script>/script>",
    ],
)
def test_xss_attempts_are_neutralised(attack: str) -> None:
    clean = sanitize_remote_html(attack).lower()
    for needle in ("<script", "<img", "<svg", "<iframe", "<style", "javascript:", "onerror", "onload", "onfocus", "style="):
        assert needle not in clean


def test_sanitising_is_idempotent() -> None:
    dirty = '<h2>T</h2><p><a href="https://x.example" class="mention zz">@x</a><script>1</script></p><a>bare</a>'
    once = sanitize_remote_html(dirty)
    assert sanitize_remote_html(once) == once


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("Alice", "Alice"),
        ("Alice <b>Bold</b>", "Alice Bold"),
        ("Bob &amp; Carol", "Bob & Carol"),
        ("I <3 cats", "I <3 cats"),
        ("x<script>alert(1)</script>y", "xy"),
        (":blobcat: Ann", ":blobcat: Ann"),
    ],
)
def test_sanitize_plain(name: str, plain: str) -> None:
    assert sanitize_plain(name) == plain


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hello world</p>", "Hello world"),
        ("<p>a</p><p>b</p>", "a\nb"),
        ("<p>line1<br>line2<br />line3</p>", "line1\nline2\nline3"),
        ("<p>a &amp; b &lt;c&gt; &#39;q&#39;</p>", "a & b <c> 'q'"),
        (
            '<p><a href="https://example.com/a/very/long/path/indeed"><span class="invisible">https://</span>'
            '<span class="ellipsis">example.com/a/very/long/path/i</span><span class="invisible">ndeed</span></a></p>',
            "https://example.com/a/very/long/path/indeed",
        ),
        ('<p><span class="h-card"><a href="x" class="u-url mention">@<span>bob</span></a></span> hi</p>', "@bob hi"),
        ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
        ("<p>x<script>alert(1)</script>y</p>", "xy"),
        ("", ""),
        ("plain", "plain"),
    ],
)
def test_plain_text_from_html(html: str, text: str) -> None:
    assert plain_text_from_html(html) == text
