"""What the compose box suggests while one types ``@al`` or ``#lau``: the API's search, with one's own eyes.

Given colleagues, a department and hashtags in use; when the page asks
``/compose/suggestions``; then it offers matching people and departments
to mention and hashtags to reuse, and nothing to the signed-out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.models import AccountKind
from tests.server.web.staff_site import staff_site

pytestmark = pytest.mark.anyio


async def test_people_departments_and_hashtags_are_suggested(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("alfred")
        await s.employee("bob")
        await s.state.services.accounts.create_organisational(AccountKind.DEPARTMENT, "alliances", "Alliances")
        await s.post(alice, "We #launch today")
        await s.sign_in("bob")
        people = (await s.client.get("/compose/suggestions", params={"q": "@al"})).json()
        assert {item["insert"] for item in people} == {"@alice", "@alfred", "@alliances"}
        tags = (await s.client.get("/compose/suggestions", params={"q": "#lau"})).json()
        assert [item["insert"] for item in tags] == ["#launch"]
        for nothing in ("al", "@", "@a b", "@" + "x" * 61):
            answer = await s.client.get("/compose/suggestions", params={"q": nothing})
            assert answer.json() == []


async def test_nothing_is_suggested_to_the_signed_out(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("alice")
        answer = await s.client.get("/compose/suggestions", params={"q": "@al"})
        assert answer.status_code == 303 and "alice" not in answer.text
