"""The boundary: a hidden actor answers exactly like one that never existed; the internal bio never leaves."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from storage.models import ProfileChanges
from tests.server.activitypub.world import AP, BASE_URL, CANARY, DOMAIN, LD, World, running

pytestmark = pytest.mark.anyio

VOLATILE = {"date", "x-request-id"}
ACCEPTS = [AP, LD, "text/html", "*/*"]
ACTOR_ROUTES = [
    "/users/{name}",
    "/@{name}",
    "/users/{name}/outbox",
    "/users/{name}/outbox?page=true",
    "/users/{name}/followers",
    "/users/{name}/followers?page=true",
    "/users/{name}/following",
    "/users/{name}/collections/featured",
    "/users/{name}/collections/tags",
    "/.well-known/webfinger?resource=acct:{name}@" + DOMAIN,
    "/.well-known/webfinger?resource=" + BASE_URL + "/users/{name}",
]


def comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k, v) for k, v in response.headers.multi_items() if k.lower() not in VOLATILE)
    return response.status_code, headers, response.content


async def hidden_world(world: World) -> None:
    await world.employee("bob", exposed=False)
    await world.department("legal", "Legal", hidden=True)


@pytest.mark.parametrize("route", ACTOR_ROUTES)
async def test_hidden_actors_answer_exactly_like_nonexistent_ones(tmp_path: Path, route: str) -> None:
    async with running(tmp_path) as world:
        await hidden_world(world)
        for accept in ACCEPTS:
            answers = [
                comparable(await world.client.get(route.format(name=name), headers={"Accept": accept}))
                for name in ("bob", "legal", "nobody")
            ]
            assert answers[0][0] == 404, accept
            assert answers[0] == answers[1] == answers[2], accept


async def test_hiding_a_department_makes_it_vanish_everywhere(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        sales = await world.department("sales", "Sales")
        before = (await world.client.get("/users/sales", headers={"Accept": AP})).status_code
        await world.storage.accounts.update_profile(sales.id, ProfileChanges(exposed=False))
        after = [
            comparable(await world.client.get(route.format(name=name), headers={"Accept": AP}))
            for route in ACTOR_ROUTES
            for name in ("sales", "nobody")
        ]
    assert before == 200
    assert all(after[i] == after[i + 1] and after[i][0] == 404 for i in range(0, len(after), 2))


async def test_the_company_is_exposed_even_without_the_flag(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        company = await world.company()
        await world.storage.accounts.update_profile(company.id, ProfileChanges(exposed=False))
        response = await world.client.get("/users/company", headers={"Accept": AP})
    assert response.status_code == 200


async def test_the_internal_bio_never_appears_on_any_public_route(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        await world.employee("alice", exposed=True, public_note="Public side")
        await world.employee("bob", exposed=False)
        await world.department("sales", "Sales")
        await world.department("legal", "Legal", hidden=True)
        company = await world.company()
        await world.storage.accounts.update_profile(company.id, ProfileChanges(note=CANARY))
        seen = []
        for name in ("alice", "bob", "sales", "legal", "company"):
            for route in ACTOR_ROUTES:
                for accept in ACCEPTS:
                    seen.append(await world.client.get(route.format(name=name), headers={"Accept": accept}))
        for path in ("/actor", "/actor/outbox", "/.well-known/nodeinfo", "/nodeinfo/2.0", "/nodeinfo/2.1",
                     "/.well-known/host-meta"):
            seen.append(await world.client.get(path))
    assert sum(r.status_code == 200 for r in seen) > 100
    for response in seen:
        assert CANARY not in response.text, response.url
        assert CANARY not in str(response.headers), response.url
