"""Filters in the web app: listed, created, changed and deleted, as ``/api/v2/filters`` sees them.

Given an employee; when they manage their filters through the settings
pages' forms; then the API shows exactly those filters, refused input
comes back next to its field with nothing saved, and another person's
filter answers as a missing one and is left alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.signin.sessions import CSRF_FIELD
from tests.server.web.staff_site import StaffSite, field_error, staff_site

pytestmark = pytest.mark.anyio


def new_filter(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    fields: dict[str, str | list[str]] = {
        "title": "Spoilers", "context[]": ["home", "public"], "filter_action": "warn", "expires_in": "",
        "keywords[0][keyword]": "finale", "keywords[0][whole_word]": "1", "keywords[1][keyword]": "",
    }
    fields.update(overrides)
    return fields


async def submit(s: StaffSite, path: str, fields: dict[str, str | list[str]]) -> object:
    return await s.client.post(path, data={CSRF_FIELD: await s.csrf(), **fields})


async def api_filters(s: StaffSite, headers: dict[str, str]) -> list[dict[str, object]]:
    answer = await s.client.get("/api/v2/filters", headers=headers)
    assert answer.status_code == 200
    filters: list[dict[str, object]] = answer.json()
    return filters


async def test_a_filter_made_on_the_page_is_the_apis_and_is_changed_then_deleted(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")

        # When bob creates a filter
        created = await s.client.post("/settings/filters", data={CSRF_FIELD: await s.csrf(), **new_filter(
            **{"keywords[1][keyword]": "season 3"})})

        # Then the API has it, keywords and all
        assert created.status_code == 303
        assert created.headers["location"] == "/settings/filters?notice=filter_saved"
        [made] = await api_filters(s, bob)
        assert made["title"] == "Spoilers"
        assert made["context"] == ["home", "public"]
        assert made["filter_action"] == "warn"
        assert made["expires_at"] is None
        keywords = {k["keyword"]: k["whole_word"] for k in made["keywords"]}  # type: ignore[attr-defined]
        assert keywords == {"finale": True, "season 3": False}
        listing = await s.client.get("/settings/filters")
        assert "Spoilers" in listing.text
        assert "season 3" in listing.text

        # When he changes it: a new title, hide, an expiry, one keyword renamed, one removed, one added
        ids = {k["keyword"]: k["id"] for k in made["keywords"]}  # type: ignore[attr-defined]
        form = await s.client.get(f"/settings/filters/{made['id']}")
        assert 'value="finale"' in form.text
        changed = await s.client.post(f"/settings/filters/{made['id']}", data={
            CSRF_FIELD: await s.csrf(), "title": "TV", "context[]": ["home"], "filter_action": "hide",
            "expires_in": "86400",
            "keywords[0][id]": ids["finale"], "keywords[0][keyword]": "finales", "keywords[0][whole_word]": "1",
            "keywords[1][id]": ids["season 3"], "keywords[1][keyword]": "season 3", "keywords[1][remove]": "1",
            "keywords[2][keyword]": "cliffhanger",
        })
        assert changed.status_code == 303
        [after] = await api_filters(s, bob)
        assert after["title"] == "TV"
        assert after["context"] == ["home"]
        assert after["filter_action"] == "hide"
        assert after["expires_at"] is not None
        assert sorted(k["keyword"] for k in after["keywords"]) == ["cliffhanger", "finales"]  # type: ignore[attr-defined]

        # When he saves it again keeping the expiry, it is kept
        again = await s.client.post(f"/settings/filters/{made['id']}", data={
            CSRF_FIELD: await s.csrf(), "title": "TV", "context[]": ["home"], "filter_action": "hide",
            "expires_in": "keep"})
        assert again.status_code == 303
        [kept] = await api_filters(s, bob)
        assert kept["expires_at"] == after["expires_at"]

        # When he deletes it, it is gone
        deleted = await s.submit(f"/settings/filters/{made['id']}/delete")
        assert deleted.status_code == 303
        assert deleted.headers["location"] == "/settings/filters?notice=filter_deleted"
        assert await api_filters(s, bob) == []


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": "  "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"context[]": []}, "context"),
    ({"context[]": ["home", "everywhere"]}, "context"),
    ({"filter_action": "explode"}, "filter_action"),
    ({"expires_in": "12"}, "expires_in"),
    ({"expires_in": "keep"}, "expires_in"),
    ({"keywords[0][keyword]": "k" * 201}, "keywords"),
    ({"keywords[0][id]": "1234"}, "keywords"),
])
async def test_refused_input_is_shown_again_next_to_its_field_and_nothing_is_saved(
    tmp_path: Path, overrides: dict[str, str | list[str]], field: str,
) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        answer = await s.client.post("/settings/filters", data={
            CSRF_FIELD: await s.csrf(), **new_filter(**overrides)})
        assert answer.status_code == 422
        assert field_error(answer.text, field)
        assert f'aria-invalid="true" aria-describedby="{field}-error"' in answer.text
        assert 'name="keywords[0][keyword]"' in answer.text
        if field != "title":
            assert 'value="Spoilers"' in answer.text
        assert await api_filters(s, bob) == []


async def test_a_refused_change_keeps_the_filter_as_it_was(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        await s.client.post("/settings/filters", data={CSRF_FIELD: await s.csrf(), **new_filter()})
        [made] = await api_filters(s, bob)
        answer = await s.client.post(f"/settings/filters/{made['id']}", data={
            CSRF_FIELD: await s.csrf(), "title": "Renamed", "context[]": [], "filter_action": "hide"})
        assert answer.status_code == 422
        assert field_error(answer.text, "context")
        assert 'value="Renamed"' in answer.text
        assert await api_filters(s, bob) == [made]


async def test_a_stale_form_keeps_the_input_and_saves_nothing(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        answer = await s.client.post("/settings/filters", data={CSRF_FIELD: "stale", **new_filter(title="Kept title")})
        assert answer.status_code == 403
        assert "expired" in (field_error(answer.text, "form") or "")
        assert 'value="Kept title"' in answer.text
        assert 'value="finale"' in answer.text
        assert await api_filters(s, bob) == []


async def test_someone_elses_filter_is_not_found_and_left_alone(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        created = await s.client.post("/api/v2/filters", headers=alice, json={
            "title": "Hers", "context": ["home"], "keywords_attributes": [{"keyword": "lunch"}]})
        hers = created.json()
        await s.sign_in("bob")
        missing = await s.client.get("/settings/filters/987654321")
        for answer in (
            await s.client.get(f"/settings/filters/{hers['id']}"),
            await s.client.post(f"/settings/filters/{hers['id']}", data={
                CSRF_FIELD: await s.csrf(), **new_filter(title="Mine now")}),
            await s.submit(f"/settings/filters/{hers['id']}/delete"),
            await s.client.get("/settings/filters/abc"),
        ):
            assert answer.status_code == 404
            assert "This filter does not exist." in answer.text
        assert missing.status_code == 404
        assert "Hers" not in (await s.client.get("/settings/filters")).text
        assert await api_filters(s, alice) == [hers]
