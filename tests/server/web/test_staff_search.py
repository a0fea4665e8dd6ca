"""Searching in the web app: people, departments, hashtags and posts, as ``/api/v2/search`` finds them.

Given employees, a department and posts of every audience; when someone
searches from the page's form; then each kind of result is under its own
heading, linking where it should, and a post shows only if the searcher
could open it, exactly as the API answers the same person.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.server.web.staff_site import articles, field_error, staff_site

pytestmark = pytest.mark.anyio


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


async def test_results_are_grouped_and_posts_are_what_the_api_shows(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        # Given a public post, a direct post bob is not in, a department and an employee named like the query
        alice = await s.employee("alice")
        carol = await s.employee("carol")
        bob = await s.employee("bob")
        await s.employee("dave")
        await s.department("roadmaps")
        public = await s.post(alice, "The roadmap for spring #roadmap")
        secret = await s.post(carol, "@dave the roadmap draft", visibility="direct")
        await s.sign_in("bob")

        # When bob searches for "roadmap"
        page = await s.client.get("/search", params={"q": "roadmap"})

        # Then the post he may see is there, the direct one is not, as in the API
        assert page.status_code == 200
        posts = section(page.text, "found-posts")
        assert articles(posts) == [public]
        assert secret not in page.text
        api = (await s.client.get("/api/v2/search", params={"q": "roadmap"}, headers=bob)).json()
        assert [p["id"] for p in api["statuses"]] == [public]
        # and the department and the hashtag are under their own headings, with their links
        assert 'href="/@roadmaps"' in section(page.text, "found-departments")
        assert 'href="/@roadmaps"' not in section(page.text, "found-people")
        assert 'href="/tags/roadmap"' in section(page.text, "found-hashtags")
        assert 'value="roadmap"' in page.text


async def test_people_link_to_their_profiles(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("alice")
        await s.employee("bob")
        await s.sign_in("bob")
        page = await s.client.get("/search?q=alice")
        assert 'href="/@alice"' in section(page.text, "found-people")
        assert section(page.text, "found-departments") == ""


async def test_the_form_is_a_labelled_search_landmark_and_an_empty_query_shows_only_it(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        await s.sign_in("bob")
        page = await s.client.get("/search")
        assert page.status_code == 200
        assert 'role="search"' in page.text
        assert '<label for="search-q">' in page.text
        assert 'id="search-q"' in page.text
        assert "<h2" not in page.text
        blank = await s.client.get("/search?q=%20%20")
        assert "<h2" not in blank.text
        assert "Nothing found" not in blank.text


async def test_nothing_found_says_so(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        await s.sign_in("bob")
        page = await s.client.get("/search?q=zzzyxw")
        assert "Nothing found" in page.text


async def test_an_overlong_query_is_refused_next_to_the_field_and_kept(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        await s.sign_in("bob")
        query = "x" * 201
        page = await s.client.get("/search", params={"q": query})
        assert page.status_code == 422
        assert "at most 200" in (field_error(page.text, "q") or "")
        assert 'aria-invalid="true" aria-describedby="q-error"' in page.text
        assert f'value="{query}"' in page.text


async def test_signed_out_search_goes_to_the_sign_in_page(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        answer = await s.client.get("/search?q=anything")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/auth/sign_in?next=")
