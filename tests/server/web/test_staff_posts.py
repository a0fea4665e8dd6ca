"""Reading and acting on posts in the web app: the timelines, a thread, favourite/boost/bookmark, edit, delete.

Given employees who follow each other and post; when one reads the
timelines and acts through the page's forms; then every list and every
flag is what the API reports for the same person, and every post says
where it stands between inside and outside.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.models import AccountKind
from tests.server.helpers import bearer, staff_token
from tests.server.web.staff_site import StaffSite, articles, field_error, staff_site

pytestmark = pytest.mark.anyio
ADMIN = "/api/v1/admin/insideout"


async def follow(s: StaffSite, headers: dict[str, str], username: str) -> None:
    account = await s.account(username)
    answer = await s.client.post(f"/api/v1/accounts/{account.id}/follow", headers=headers)
    assert answer.status_code == 200, answer.text


async def test_home_shows_who_one_follows_and_the_local_timeline_everyone(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        carol = await s.employee("carol")
        bob = await s.employee("bob")
        await follow(s, bob, "alice")
        from_alice = await s.post(alice, "From Alice #launch")
        from_carol = await s.post(carol, "From Carol")
        quiet = await s.post(carol, "Quiet one", visibility="unlisted")
        await s.sign_in("bob")
        assert articles((await s.client.get("/home")).text) == [from_alice]
        assert articles((await s.client.get("/public/local")).text) == [from_carol, from_alice]
        assert quiet not in articles((await s.client.get("/public/local")).text)
        assert articles((await s.client.get("/tags/LAUNCH")).text) == [from_alice]
        api = await s.client.get("/api/v1/timelines/home", headers=bob)
        assert [p["id"] for p in api.json()] == [from_alice]


async def test_load_more_pages_through_the_timeline_without_repeats(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        posted = [await s.post(alice, f"post {n}") for n in range(45)]
        await s.sign_in("bob")
        seen: list[str] = []
        url: str | None = "/public/local"
        while url:
            page = await s.client.get(url)
            seen += articles(page.text)
            more = page.text.split('rel="next" data-more', 1)[0].rsplit('href="', 1) if "data-more" in page.text \
                else None
            url = more[1].split('"', 1)[0].replace("&amp;", "&") if more else None
        assert seen == list(reversed(posted))


async def test_favourite_boost_and_bookmark_from_the_page_are_the_apis_flags(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        bob = await s.employee("bob")
        post = await s.post(alice, "Act on me")
        await s.sign_in("bob")
        for verb in ("favourite", "reblog", "bookmark"):
            answer = await s.submit(f"/statuses/{post}/{verb}", back="/public/local")
            assert answer.status_code == 303 and answer.headers["location"] == f"/public/local#status-{post}"
        entity = (await s.client.get(f"/api/v1/statuses/{post}", headers=bob)).json()
        assert entity["favourited"] and entity["reblogged"] and entity["bookmarked"]
        page = await s.client.get(f"/@alice/{post}")
        for verb, label in (("favourite", "Favourited"), ("reblog", "Boosted"), ("bookmark", "Bookmarked")):
            assert f'aria-pressed="true" class="{verb}">{label}' in page.text
        assert articles((await s.client.get("/bookmarks")).text) == [post]
        assert articles((await s.client.get("/favourites")).text) == [post]
        for verb in ("unfavourite", "unreblog", "unbookmark"):
            assert (await s.submit(f"/statuses/{post}/{verb}", back="/home")).status_code == 303
        entity = (await s.client.get(f"/api/v1/statuses/{post}", headers=bob)).json()
        assert not (entity["favourited"] or entity["reblogged"] or entity["bookmarked"])


async def test_acting_on_a_post_one_cannot_see_is_not_found(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("carol")
        await s.employee("bob")
        secret = await s.post(alice, "@carol secret", visibility="direct")
        await s.sign_in("bob")
        hidden = await s.submit(f"/statuses/{secret}/favourite", back="/home")
        missing = await s.submit("/statuses/99999999/favourite", back="/home")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text.replace(secret, "X") == missing.text.replace("99999999", "X")
        foreign_back = await s.submit(f"/statuses/{await s.post(alice, 'open')}/favourite",
                                      back="https://evil.example/")
        assert foreign_back.headers["location"].startswith("/home#")


async def test_editing_shows_the_history_and_keeps_input_on_refusal(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        post = await s.post(bob, "First words")
        await s.sign_in("bob")
        form = await s.client.get(f"/statuses/{post}/edit")
        assert form.status_code == 200 and ">First words</textarea>" in form.text
        refused = await s.submit(f"/statuses/{post}/edit", status="y" * 501)
        assert refused.status_code == 422 and field_error(refused.text, "status") is not None
        assert "y" * 501 in refused.text
        saved = await s.submit(f"/statuses/{post}/edit", status="Better words")
        assert saved.status_code == 303 and saved.headers["location"] == f"/@bob/{post}?notice=edited"
        page = await s.client.get(f"/@bob/{post}")
        assert "Better words" in page.text and f'href="/statuses/{post}/history">edited</a>' in page.text
        history = await s.client.get(f"/statuses/{post}/history")
        assert history.text.index("Better words") < history.text.index("First words")
        api = await s.client.get(f"/api/v1/statuses/{post}", headers=bob)
        assert "Better words" in api.json()["content"]


async def test_only_the_author_edits_or_deletes(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        post = await s.post(alice, "Alice's")
        await s.sign_in("bob")
        assert (await s.client.get(f"/statuses/{post}/edit")).status_code == 404
        assert (await s.submit(f"/statuses/{post}/edit", status="hijack")).status_code == 404
        assert (await s.client.get(f"/statuses/{post}/delete")).status_code == 404
        assert (await s.submit(f"/statuses/{post}/delete")).status_code == 404
        page = await s.client.get(f"/@alice/{post}")
        assert "Alice&#39;s" in page.text and f"/statuses/{post}/edit" not in page.text


async def test_deleting_asks_first_then_removes(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        post = await s.post(bob, "Regrettable")
        await s.sign_in("bob")
        confirm = await s.client.get(f"/statuses/{post}/delete")
        assert confirm.status_code == 200 and "Delete this post?" in confirm.text
        answer = await s.submit(f"/statuses/{post}/delete")
        assert answer.status_code == 303 and answer.headers["location"] == "/@bob?notice=deleted"
        assert (await s.client.get(f"/api/v1/statuses/{post}", headers=bob)).status_code == 404
        assert (await s.client.get(f"/@bob/{post}")).status_code == 404


async def test_each_post_says_where_it_stands(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        admin = bearer(await staff_token(s.app, "ada", scopes="read write admin:read admin:write", role="admin"))
        bob = await s.employee("bob")
        inside = await s.post(bob, "inside")
        published = await s.post(bob, "published")
        retracted = await s.post(bob, "retracted")
        for status_id in (published, retracted):
            assert (await s.client.post(f"{ADMIN}/statuses/{status_id}/publish", headers=admin)).status_code == 200
        assert (await s.client.post(f"{ADMIN}/statuses/{retracted}/unpublish", headers=admin)).status_code == 200
        edited = await s.client.put(f"/api/v1/statuses/{published}", headers=bob, json={"status": "published v2"})
        assert edited.status_code == 200
        await s.sign_in("bob")
        page = (await s.client.get("/@bob")).text

        def stance(status_id: str) -> str:
            card = page.split(f'id="status-{status_id}"', 1)[1].split("</article>", 1)[0]
            return card.split('data-stance="', 1)[1].split('"', 1)[0]

        assert stance(inside) == "internal" and stance(retracted) == "retracted"
        assert stance(published) == "revision" and "public link" in page


async def test_department_and_list_timelines(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        bob = await s.employee("bob")
        await s.state.services.accounts.create_organisational(AccountKind.DEPARTMENT, "sales", "Sales")
        to_sales = await s.post(alice, "@sales hello team")
        created = await s.client.post("/api/v1/lists", headers=bob, json={"title": "Friends"})
        list_id = created.json()["id"]
        alice_id = (await s.account("alice")).id
        await follow(s, bob, "alice")
        added = await s.client.post(f"/api/v1/lists/{list_id}/accounts", headers=bob, json={"account_ids": [alice_id]})
        assert added.status_code == 200
        await s.sign_in("bob")
        department = await s.client.get("/departments/sales")
        assert department.status_code == 200 and to_sales in articles(department.text)
        assert (await s.client.get("/departments/nope")).status_code == 404
        lists = await s.client.get("/lists")
        assert f'href="/lists/{list_id}">Friends</a>' in lists.text
        assert articles((await s.client.get(f"/lists/{list_id}")).text) == [to_sales]
        s.sign_out_locally()
        await s.employee("eve")
        await s.sign_in("eve")
        assert (await s.client.get(f"/lists/{list_id}")).status_code == 404
