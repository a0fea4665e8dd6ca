"""NodeInfo: the software and the organisation's name, never its headcount."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.server.activitypub.world import BASE_URL, ORG_NAME, running

pytestmark = pytest.mark.anyio

SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/"


async def test_the_well_known_document_links_both_versions(tmp_path: Path, fixtures_dir: Path) -> None:
    async with running(tmp_path) as world:
        response = await world.client.get("/.well-known/nodeinfo")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json() == {
        "links": [
            {"rel": f"{SCHEMA}2.0", "href": f"{BASE_URL}/nodeinfo/2.0"},
            {"rel": f"{SCHEMA}2.1", "href": f"{BASE_URL}/nodeinfo/2.1"},
        ]
    }
    pleroma = json.loads((fixtures_dir / "nodeinfo" / "well-known-pleroma.json").read_text())
    assert {link["rel"] for link in pleroma["links"]} == {link["rel"] for link in response.json()["links"]}


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_nodeinfo_names_the_software_and_claims_mastodon_upstream(tmp_path: Path, version: str) -> None:
    async with running(tmp_path) as world:
        response = await world.client.get(f"/nodeinfo/{version}")
    assert response.status_code == 200
    assert response.headers["content-type"] == f'application/json; profile="{SCHEMA}{version}#"'
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert body["version"] == version
    assert body["software"]["name"] == "insideout" and re.fullmatch(r"[a-z0-9-]+", body["software"]["name"])
    assert body["software"]["version"] == "0.1.0"
    assert body["protocols"] == ["activitypub"]
    assert body["services"] == {"inbound": [], "outbound": []}
    assert body["openRegistrations"] is False
    assert body["metadata"] == {"nodeName": ORG_NAME, "upstream": {"name": "mastodon"}}


async def test_usage_is_left_out_so_the_headcount_stays_inside(tmp_path: Path, fixtures_dir: Path) -> None:
    async with running(tmp_path) as world:
        await world.employee("alice", exposed=True)
        await world.employee("bob", exposed=False)
        body = (await world.client.get("/nodeinfo/2.0")).json()
    mastodon = json.loads((fixtures_dir / "nodeinfo" / "mastodon.json").read_text())
    assert "usage" not in body
    assert set(body) == set(mastodon) - {"usage"}
    assert not re.search(r"\d", json.dumps(body).replace("2.0", "").replace("0.1.0", ""))


async def test_an_unknown_nodeinfo_version_is_not_found(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        assert (await world.client.get("/nodeinfo/3.0")).status_code == 404
