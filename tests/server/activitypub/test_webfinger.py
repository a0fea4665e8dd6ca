"""WebFinger: who can be found, by which resource forms, and what an unknown name gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.activitypub.world import BASE_URL, DOMAIN, running

pytestmark = pytest.mark.anyio

PROFILE_PAGE = "http://webfinger.net/rel/profile-page"


async def test_an_exposed_employee_is_found_with_mastodons_jrd(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        await world.employee("alice", exposed=True)
        response = await world.client.get("/.well-known/webfinger", params={"resource": f"acct:alice@{DOMAIN}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jrd+json; charset=utf-8"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json() == {
        "subject": f"acct:alice@{DOMAIN}",
        "aliases": [f"{BASE_URL}/@alice", f"{BASE_URL}/users/alice"],
        "links": [
            {"rel": PROFILE_PAGE, "type": "text/html", "href": f"{BASE_URL}/@alice"},
            {"rel": "self", "type": "application/activity+json", "href": f"{BASE_URL}/users/alice"},
        ],
    }


@pytest.mark.parametrize(
    "resource",
    [
        f"acct:Alice@{DOMAIN}",
        f"alice@{DOMAIN}",
        f"ACCT:alice@{DOMAIN.upper()}",
        f"{BASE_URL}/users/alice",
        f"{BASE_URL}/@alice",
        f"http://{DOMAIN}/users/alice",
    ],
)
async def test_every_resource_form_mastodon_accepts_resolves(tmp_path: Path, resource: str) -> None:
    async with running(tmp_path) as world:
        await world.employee("alice", exposed=True)
        response = await world.client.get("/.well-known/webfinger", params={"resource": resource})
    assert response.status_code == 200
    assert response.json()["subject"] == f"acct:alice@{DOMAIN}"


async def test_the_company_and_a_department_are_found(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        await world.department("sales", "Sales")
        company = await world.client.get("/.well-known/webfinger", params={"resource": f"acct:company@{DOMAIN}"})
        sales = await world.client.get("/.well-known/webfinger", params={"resource": f"acct:sales@{DOMAIN}"})
    assert company.json()["links"][1]["href"] == f"{BASE_URL}/users/company"
    assert sales.json()["links"][1]["href"] == f"{BASE_URL}/users/sales"


@pytest.mark.parametrize("resource", [f"acct:{DOMAIN}@{DOMAIN}", f"{BASE_URL}/actor"])
async def test_the_instance_actor_is_found_as_domain_at_domain(tmp_path: Path, resource: str) -> None:
    async with running(tmp_path) as world:
        response = await world.client.get("/.well-known/webfinger", params={"resource": resource})
    assert response.status_code == 200
    assert response.json() == {
        "subject": f"acct:{DOMAIN}@{DOMAIN}",
        "aliases": [f"{BASE_URL}/actor"],
        "links": [
            {"rel": PROFILE_PAGE, "type": "text/html", "href": f"{BASE_URL}/about/more?instance_actor=true"},
            {"rel": "self", "type": "application/activity+json", "href": f"{BASE_URL}/actor"},
        ],
    }


@pytest.mark.parametrize("query", ["", "?resource=", "?resource=acct:alice", "?resource=alice", f"?resource=acct:@{DOMAIN}"])
async def test_a_missing_or_malformed_resource_is_a_bad_request(tmp_path: Path, query: str) -> None:
    async with running(tmp_path) as world:
        response = await world.client.get(f"/.well-known/webfinger{query}")
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    "resource",
    [
        "acct:alice@elsewhere.example",
        "https://elsewhere.example/users/alice",
        f"{BASE_URL}/users/alice/followers",
        f"{BASE_URL}/about",
        f"acct:nobody@{DOMAIN}",
        f"acct:not-a-username@{DOMAIN}",
    ],
)
async def test_other_domains_and_unknown_names_are_not_found(tmp_path: Path, resource: str) -> None:
    async with running(tmp_path) as world:
        await world.employee("alice", exposed=True)
        response = await world.client.get("/.well-known/webfinger", params={"resource": resource})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"


async def test_unexposed_employees_and_hidden_departments_are_not_found(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        await world.employee("bob", exposed=False)
        await world.department("legal", "Legal", hidden=True)
        for name in ("bob", "legal"):
            response = await world.client.get("/.well-known/webfinger", params={"resource": f"acct:{name}@{DOMAIN}"})
            assert response.status_code == 404


async def test_a_disabled_employee_who_was_exposed_stays_resolvable(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        await world.employee("carol", exposed=True)
        await world.offboard("carol")
        response = await world.client.get("/.well-known/webfinger", params={"resource": f"acct:carol@{DOMAIN}"})
    assert response.status_code == 200


async def test_host_meta_points_at_webfinger_in_xml_and_json(tmp_path: Path) -> None:
    template = f"{BASE_URL}/.well-known/webfinger?resource={{uri}}"
    async with running(tmp_path) as world:
        xml = await world.client.get("/.well-known/host-meta")
        by_accept = await world.client.get("/.well-known/host-meta", headers={"Accept": "application/json"})
        by_format = await world.client.get("/.well-known/host-meta?format=json")
        by_path = await world.client.get("/.well-known/host-meta.json")
    assert xml.status_code == 200
    assert xml.headers["content-type"] == "application/xrd+xml; charset=utf-8"
    assert xml.headers["access-control-allow-origin"] == "*"
    assert f'<Link rel="lrdd" template="{template}"/>' in xml.text
    assert 'xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"' in xml.text
    for response in (by_accept, by_format, by_path):
        assert response.json() == {"links": [{"rel": "lrdd", "template": template}]}
