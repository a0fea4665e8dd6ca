"""The public web pages: profiles and posts of exposed actors, their Atom feeds and Open Graph tags.

Outsiders see published posts (their approved revision) and exposed
actors; a hidden actor or an internal post answers byte for byte like one
that never existed, and a retracted post answers 410.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from PIL import Image

from server.services.statuses import StatusDraft
from storage.models import Account, ProfileChanges, Status
from tests.server.activitypub.world import AP, BASE_URL, CANARY, DOMAIN, ORG_NAME, World, running

pytestmark = pytest.mark.anyio

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ATOM = "{http://www.w3.org/2005/Atom}"
VOLATILE = frozenset({"date", "x-request-id"})


class Meta(HTMLParser):
    """The ``<meta property|name=... content=...>`` tags of a page, unescaped."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        key = values.get("property") or values.get("name")
        if tag == "meta" and key:
            self.tags[key] = values.get("content") or ""


def meta(page: str) -> dict[str, str]:
    parser = Meta()
    parser.feed(page)
    return parser.tags


def answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k, v) for k, v in response.headers.multi_items() if k.lower() not in VOLATILE)
    return response.status_code, headers, response.content


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


async def post(world: World, author: Account, text: str, *, publish: bool = True, **draft: object) -> Status:
    services = world.app.state.insideout.services
    status: Status = await services.statuses.create(author, StatusDraft(text=text, **draft))  # type: ignore[arg-type]
    if publish:
        status = await services.publication.publish(status.id, by="test")
    return status


def ref(status: Status) -> str:
    assert status.uri is not None
    return status.uri.rsplit("/", 1)[-1]


async def test_a_profile_lists_published_posts_newest_first_and_nothing_internal(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        # Given alice with a public bio, an internal bio, two published posts and an internal one
        alice = await world.employee("alice", exposed=True, public_note="Hello outside")
        first = await post(world, alice, "First words outside")
        await post(world, alice, f"Internal {CANARY}", publish=False)
        second = await post(world, alice, "Second words outside")
        # When a browser opens her profile
        response = await world.client.get("/@alice", headers={"Accept": HTML})
    # Then it shows her public face and her published posts, newest first, and no internal text or counts
    page = response.text
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["vary"] == "Accept" and "script-src" not in response.headers["content-security-policy"]
    assert "<h1>Alice</h1>" in page and f"@alice@{DOMAIN}" in page and "<p>Hello outside</p>" in page
    assert page.index("Second words outside") < page.index("First words outside")
    assert f'href="{BASE_URL}/@alice/{ref(second)}"' in page and f'href="{BASE_URL}/@alice/{ref(first)}"' in page
    assert CANARY not in page and "<script" not in page
    assert not re.search(r"follower|following|member", page, re.IGNORECASE)
    assert f'href="{BASE_URL}/@alice.atom"' in page


async def test_an_exposed_employee_without_published_posts_shows_only_the_public_bio(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        await world.employee("alice", exposed=True, public_note="Ask me about widgets")
        page = (await world.client.get("/@alice")).text
    assert "Ask me about widgets" in page and "No published posts yet." in page and CANARY not in page


async def test_profile_pages_are_paginated_by_max_id(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        # Given 23 published posts by the company
        company = await world.company()
        for n in range(23):
            await post(world, company, f"Announcement number {n:02d}")
        # When the first page and the page its "Older posts" link names are read
        first = (await world.client.get("/@company")).text
        older = re.search(r'href="([^"]+)" rel="next"', first)
        assert older is not None
        second = (await world.client.get(older.group(1).removeprefix(BASE_URL))).text
    # Then the first page has the newest 20, the second the oldest 3, with no link further
    assert [int(n) for n in re.findall(r"Announcement number (\d+)", first)] == list(range(22, 2, -1))
    assert [int(n) for n in re.findall(r"Announcement number (\d+)", second)] == [2, 1, 0]
    assert 'rel="next"' not in second


async def test_a_post_page_shows_the_approved_revision_and_only_public_replies(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        # Given alice's published post, frank's published reply, carol's internal reply, and a pending revision
        services = world.app.state.insideout.services
        alice = await world.employee("alice", exposed=True)
        frank = await world.employee("frank", exposed=True)
        carol = await world.employee("carol", exposed=False)
        launch = await post(world, alice, "We launch today https://example.org/launch")
        await post(world, frank, "Congratulations from frank", in_reply_to_id=launch.id)
        await post(world, carol, f"Internal reply {CANARY}", publish=False, in_reply_to_id=launch.id)
        await services.statuses.edit(alice, launch.id, StatusDraft(text=f"Pending words {CANARY}"))
        # When a browser opens the post's page, under both its URL and its URI
        response = await world.client.get(f"/@alice/{ref(launch)}", headers={"Accept": HTML})
        by_uri = await world.client.get(f"/users/alice/statuses/{ref(launch)}", headers={"Accept": HTML})
    page = response.text
    # Then it shows the approved text, its link kept nofollow, the published reply, and nothing internal
    assert response.status_code == 200 and by_uri.text == page
    assert "We launch today" in page and "Congratulations from frank" in page
    assert re.search(r'<a href="https://example.org/launch"[^>]*rel="nofollow noopener"', page)
    assert CANARY not in page and "Pending words" not in page and "Carol" not in page


async def test_hidden_actors_and_internal_posts_answer_byte_for_byte_like_missing_ones(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        # Given a hidden employee with a post, and an exposed one with an internal post
        carol = await world.employee("carol", exposed=False)
        alice = await world.employee("alice", exposed=True)
        carols = await post(world, carol, f"carol {CANARY}", publish=False)
        internal = await post(world, alice, f"alice {CANARY}", publish=False)
        await world.department("legal", "Legal", hidden=True)
        pairs = [("/@carol", "/@nobody"), ("/@legal", "/@nobody"), ("/@carol.atom", "/@nobody.atom"),
                 ("/users/carol.atom", "/users/nobody.atom"), ("/@carol?max_id=5", "/@nobody?max_id=5"),
                 (f"/@alice/{internal.id}", "/@alice/117000000000000001"),
                 (f"/@carol/{carols.id}", "/@nobody/117000000000000001")]
        # When each is asked for in HTML and in ActivityPub
        answers = [(hidden, await world.client.get(hidden, headers={"Accept": accept}),
                    await world.client.get(missing, headers={"Accept": accept}))
                   for hidden, missing in pairs for accept in (HTML, AP)]
    # Then the hidden one answers exactly as the missing one: same status, headers and body
    for path, hidden_answer, missing_answer in answers:
        assert hidden_answer.status_code == 404, path
        assert answer(hidden_answer) == answer(missing_answer), path
        assert CANARY not in hidden_answer.text


async def test_a_retracted_post_page_is_gone(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        alice = await world.employee("alice", exposed=True)
        launch = await post(world, alice, "Soon retracted")
        await world.app.state.insideout.services.publication.unpublish(launch.id, by="test")
        page = await world.client.get(f"/@alice/{ref(launch)}", headers={"Accept": HTML})
        profile = (await world.client.get("/@alice")).text
        feed = (await world.client.get("/@alice.atom")).text
    assert page.status_code == 410
    assert "Soon retracted" not in profile and "Soon retracted" not in feed


async def test_the_atom_feed_is_valid_and_carries_the_published_posts(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        # Given the company's two published posts and an internal one
        company = await world.company()
        older = await post(world, company, "Older <news> & more")
        newer = await post(world, company, "Newer news", spoiler_text="Spoiler & warning")
        await post(world, company, f"Internal {CANARY}", publish=False)
        # When a feed reader fetches the feed under both its paths
        response = await world.client.get("/@company.atom")
        other = await world.client.get("/users/company.atom")
    # Then it is Atom with every required element, newest entry first, and nothing internal
    assert response.status_code == 200 and other.content == response.content
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert CANARY not in response.text
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == f"{BASE_URL}/@company.atom"
    assert feed.findtext(f"{ATOM}title") == f"{ORG_NAME} (@company@{DOMAIN})"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == ORG_NAME
    assert feed.findtext(f"{ATOM}author/{ATOM}uri") == f"{BASE_URL}/users/company"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"alternate": f"{BASE_URL}/@company", "self": f"{BASE_URL}/@company.atom"}
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [newer.uri, older.uri]
    for entry in entries:
        for required in ("id", "title", "updated", "published", "content"):
            assert entry.findtext(f"{ATOM}{required}"), required
        assert entry.find(f"{ATOM}content").get("type") == "html"  # type: ignore[union-attr]
        assert entry.find(f"{ATOM}link").get("rel") == "alternate"  # type: ignore[union-attr]
    assert feed.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")
    assert entries[0].findtext(f"{ATOM}summary") == "Spoiler & warning"
    assert "Older &lt;news&gt; &amp; more" in (entries[1].findtext(f"{ATOM}content") or "")


async def test_an_actor_without_posts_has_a_valid_empty_feed(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        await world.department("sales", "Sales")
        response = await world.client.get("/users/sales.atom")
    feed = ElementTree.fromstring(response.content)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", feed.findtext(f"{ATOM}updated") or "")
    assert feed.findall(f"{ATOM}entry") == []


async def test_open_graph_tags_describe_the_profile_and_the_post(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        # Given alice with an avatar, and her published post with a photo and a long text
        services = world.app.state.insideout.services
        alice = await world.employee("alice", exposed=True, public_note="Widgets & gadgets")
        alice = await world.storage.accounts.update_profile(
            alice.id, ProfileChanges(avatar_path="avatars/abc/original.png"))
        photo = await services.media.upload(alice, png(), declared_type="image/png", description="A blue square")
        launch = await post(world, alice, "Launch " + "very " * 80 + "long", media_ids=(photo.id,))
        profile = meta((await world.client.get("/@alice")).text)
        page = (await world.client.get(f"/@alice/{ref(launch)}")).text
    # Then the profile is a profile with her public bio and avatar
    assert profile["og:type"] == "profile" and profile["og:url"] == f"{BASE_URL}/@alice"
    assert profile["og:title"] == f"Alice (@alice@{DOMAIN})" and profile["og:description"] == "Widgets & gadgets"
    assert profile["og:image"] == f"{BASE_URL}/system/avatars/abc/original.png"
    assert profile["og:site_name"] == ORG_NAME and profile["twitter:card"] == "summary"
    # And the post is an article with its plain text, truncated, and its public photo (never a capability URL)
    post_meta = meta(page)
    assert post_meta["og:type"] == "article" and post_meta["og:url"] == f"{BASE_URL}/@alice/{ref(launch)}"
    assert post_meta["og:description"].startswith("Launch very very") and post_meta["og:description"].endswith("…")
    assert len(post_meta["og:description"]) <= 200 and "<" not in post_meta["og:description"]
    assert post_meta["og:image"].startswith(f"{BASE_URL}/media/public/")
    assert post_meta["twitter:card"] == "summary_large_image"
    assert photo.capability_token is not None and photo.capability_token not in page
    assert f'<img src="{post_meta["og:image"]}" alt="A blue square"' in page


async def test_hostile_names_and_texts_are_escaped_everywhere(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        # Given an exposed employee whose name, bio and post try to inject markup
        hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
        alice = await world.employee("alice", exposed=True, public_note=hostile)
        alice = await world.storage.accounts.update_profile(alice.id, ProfileChanges(display_name=hostile))
        launch = await post(world, alice, hostile, spoiler_text=hostile)
        pages = [(await world.client.get(path)).text
                 for path in ("/@alice", f"/@alice/{ref(launch)}", "/@alice.atom")]
    # Then no tag or attribute was injected: the text shows escaped, and the feed is still well-formed XML
    for page in pages[:2]:
        assert "<script" not in page and "<img src=x" not in page and "onerror=alert(2)>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert meta(page)["og:title"].startswith(hostile)
    feed = ElementTree.fromstring(pages[2])
    assert feed.findtext(f"{ATOM}title", "").startswith(hostile)
    assert "<script>" not in (feed.findtext(f"{ATOM}entry/{ATOM}content") or "")
