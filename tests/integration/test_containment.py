"""Containment, end to end: two live instances federate, then an outsider crawls everything ``a`` answers.

The world (``containment_world``) puts a unique canary in every internal
thing. Nothing internal may cross: not in any request between the
instances, not in any answer to an outsider (anonymous, signed by the
partner, or holding an app-only token), not as a count, and a hidden
object must answer exactly as a missing one does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import Route

from federation.instance_actor import load_or_create_instance_actor
from server.mastodon.auth import digest_token, new_token
from storage.models import NewApplication, PublicationState
from tests.integration.containment_world import EXPOSED_USERNAMES, HIDDEN_USERNAMES, World, build_world
from tests.integration.crawl import AP, HTML, LD, Answer, Crawler, Kind, Mode, Target, probes
from tests.integration.federation_pair import Instance, federation_pair, settle

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("on_each_media_store")]

ACCEPTS = (AP, LD, HTML)
ANONYMOUS_API = {
    "/api/v1/apps", "/api/v1/instance", "/api/v2/instance", "/api/v1/instance/rules",
    "/api/v1/streaming/health", "/api/v1/apps/verify_credentials",
}
# Trends answer an outsider the empty list an empty server answers: 200 and ``[]``, nothing else.
EMPTY_FOR_OUTSIDERS = {"/api/v1/trends", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links"}
API_PARAM = re.compile(r"{([a-z_]+)(?::[a-z]+)?}")
FAKE_REF = "117000000000000001"


def usernames() -> dict[str, Kind]:
    names: dict[str, Kind] = {name: "visible" for name in EXPOSED_USERNAMES}
    names |= {name: "hidden" for name in HIDDEN_USERNAMES}
    names |= {"CAROL": "hidden", "nobody": "missing", "Nobody": "missing"}
    return names


def status_targets(world: World, retracted: dict[str, str] | None = None) -> list[Target]:
    """Every status in the world under its author, a hidden user and nobody; plus refs that never existed."""
    by_id = {a.id: name for name, a in world.accounts.items()}
    targets = [Target("alice", FAKE_REF, "missing"), Target("nobody", FAKE_REF, "missing"),
               Target("carol", FAKE_REF, "missing"), Target("alice", "9" * 40, "missing"),
               Target("alice", f"{FAKE_REF}-99999999999999999999999", "missing")]
    for status in world.internal.values():
        for username in (by_id[status.account_id], "carol", "nobody"):
            targets += [Target(username, str(status.id), "hidden"), Target(username, f"{status.id}-1", "hidden")]
    for status in world.published.values():
        ref = (status.uri or "").rsplit("/", 1)[-1]
        targets.append(Target(by_id[status.account_id], ref, "visible"))
        targets += [Target(name, ref, "hidden") for name in ("carol", "nobody", "company")]
    for username, ref in (retracted or {}).items():
        targets.append(Target(username, ref, "visible"))
    return targets


async def peer_signer(b: Instance) -> Mode:
    return Mode(AP, await load_or_create_instance_actor(b.state.storage))


def modes(signer: Mode) -> list[Mode]:
    return [*(Mode(accept) for accept in ACCEPTS), *(Mode(accept, signer.signer) for accept in ACCEPTS)]


def router_leaks(world: World) -> list[str]:
    leaks = []
    for method, url, body in world.router.requests:
        leaks += [f"{method} {url}: {leak}" for leak in world.leaks(url + "\n" + body.decode("utf-8", "replace"))]
    return leaks


async def app_only_token(world: World, client_id: str) -> str:
    """A ``client_credentials`` token: an app, no user; docs/design.md counts it as an outsider."""
    storage = world.a.state.storage
    application = await storage.oauth.create_application(NewApplication(
        "outsider", None, ("urn:ietf:wg:oauth:2.0:oob",), ("read", "write", "follow", "push"), client_id,
        digest_token("outsider-secret")))
    token = new_token()
    await storage.tokens.create_access_token(digest_token(token), None, application.id,
                                             ["read", "write", "follow", "push", "admin:read"])
    return token


def api_id_sets(world: World) -> list[dict[str, str]]:
    """Ids to put in /api paths, one set per pass: hidden accounts with internal and published statuses."""
    internal, published = list(world.internal.values()), list(world.published.values())
    return [
        {"account": str(world.accounts["carol"].id), "status": str(internal[0].id)},
        {"account": str(world.accounts["legal"].id), "status": str(published[0].id)},
        {"account": str(world.accounts["dave"].id), "status": str(world.internal["direct to carol"].id)},
    ]


def api_path(path: str, ids: dict[str, str]) -> str:
    kind = "account" if "/accounts/" in path or "follow_requests" in path else "status"
    return API_PARAM.sub(lambda m: ids[kind], path)


async def walk_api(world: World) -> tuple[int, list[str]]:
    """Every /api route with internal ids, as an app-only client: only the anonymous few answer.

    One token per pass keeps each pass under the per-token rate limit (a 429 would hide the answer).
    """
    wrong: list[str] = []
    walked = 0
    routes = [r for r in world.a.app.routes if isinstance(r, Route) and r.path.startswith("/api")]
    for ids in api_id_sets(world):
        headers = {"Authorization": f"Bearer {await app_only_token(world, ids['account'])}"}
        for route in routes:
            path = api_path(route.path, ids)
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                response = await world.a.client.request(method, path, headers=headers)
                walked += 1
                wrong += [f"{method} {path}: {leak}" for leak in world.leaks(response.text)]
                if route.path in EMPTY_FOR_OUTSIDERS:
                    if (response.status_code, response.text) != (200, "[]"):
                        wrong.append(f"{method} {path} answered {response.status_code}: {response.text[:100]}")
                    continue
                if route.path not in ANONYMOUS_API and response.status_code not in (401, 404, 405):
                    wrong.append(f"{method} {path} answered {response.status_code}: {response.text[:100]}")
    return walked, wrong


async def inbox_answers(crawler: Crawler, world: World, signer: Mode) -> list[str]:
    """A Follow POSTed to each per-actor inbox: a hidden actor's answers exactly as a missing one's."""
    differences = []
    for mode in (Mode(AP), signer):
        answers = {}
        for name in ("nobody", *HIDDEN_USERNAMES):
            follow = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
                      "id": f"http://{world.b.host}/actor#follow-{name}", "actor": f"http://{world.b.host}/actor",
                      "object": f"{world.base}/users/{name}"}
            answers[name] = Answer.of(await crawler.post(f"/users/{name}/inbox", follow, mode))
        differences += [f"{mode} POST /users/{name}/inbox: {answer} but nobody: {answers['nobody']}"
                        for name, answer in answers.items() if answer != answers["nobody"]]
    return differences


async def test_nothing_internal_crosses_and_hidden_answers_like_missing(tmp_path: Path) -> None:
    async with federation_pair(tmp_path) as (a, b, router):
        # Given a company full of internal canaries, a partner following it, and three published posts
        world = await build_world(a, b, router)
        signer = await peer_signer(b)

        # When an outsider crawls every route, id and link, in every mode
        crawler = Crawler(a.client, world.base, world.leaks)
        seeds = probes(a.app, usernames(), status_targets(world), a.host)
        # (the staff web app's pages too: an app-only token is no staff session)
        every_mode = [*modes(signer), Mode(HTML, bearer=await app_only_token(world, "crawler"))]
        reports = {str(mode): await crawler.crawl(seeds, mode) for mode in every_mode}
        walked, api_wrong = await walk_api(world)
        inbox_differences = await inbox_answers(crawler, world, signer)

    # Then no canary crossed in either direction, and none was answered to anyone
    assert not router_leaks(world), "\n".join(router_leaks(world))
    leaks = [leak for report in reports.values() for leak in report.leaks]
    assert not leaks, "\n".join(leaks[:40])
    # And a hidden object answers byte for byte like a missing one, route by route, mode by mode
    differences = [d for report in reports.values() for d in report.differences] + inbox_differences
    assert not differences, "\n".join(differences[:20])
    assert not api_wrong, "\n".join(api_wrong[:40])
    # And the crawl really reached the published world (it is not vacuous)
    ap = reports[str(Mode(AP))]
    for status in world.published.values():
        assert status.uri is not None
        assert ap.answers[status.uri.removeprefix(world.base)].status == 200, status.uri
    assert all(report.fetched > len(seeds) for report in reports.values())
    assert walked > 300


async def total(instance: Instance, url: str) -> int:
    response = await instance.client.get(url, headers={"Accept": AP})
    assert response.status_code == 200, f"{url}: {response.status_code}"
    count: int = response.json()["totalItems"]
    return count


async def test_counts_and_thread_links_show_only_published_and_outside_activity(tmp_path: Path) -> None:
    async with federation_pair(tmp_path) as (a, b, router):
        # Given internal replies, favourites, boosts and follows around published posts, and a partner's like,
        # reply and follows
        world = await build_world(a, b, router)
        launch, answer = world.published["launch"].uri or "", world.published["answer"].uri or ""
        users = f"{world.base}/users"

        # When an outsider reads the counts
        counts = {url.removeprefix(world.base): await total(a, url) for url in (
            f"{launch}/replies", f"{launch}/likes", f"{launch}/shares", f"{answer}/likes", f"{answer}/shares",
            f"{users}/alice/followers", f"{users}/alice/following", f"{users}/alice/outbox",
            f"{users}/frank/followers", f"{users}/frank/outbox", f"{users}/company/followers",
            f"{users}/company/following", f"{users}/eng/followers", f"{users}/eng/following",
        )}
        followers_page = (await a.client.get(f"{users}/company/followers?page=true", headers={"Accept": AP})).json()
        replies_page = (await a.client.get(f"{launch}/replies", headers={"Accept": AP})).json()
        notes = {label: (await a.client.get(s.uri or "", headers={"Accept": AP})).json()
                 for label, s in world.published.items()}

    # Then they count only published posts and outside activity: carol's reply, favourite and boost, dave's
    # favourite and every internal follow are nobody's business outside
    launch_path, answer_path = launch.removeprefix(world.base), answer.removeprefix(world.base)
    assert counts == {
        f"{launch_path}/replies": 1, f"{launch_path}/likes": 1, f"{launch_path}/shares": 0,
        f"{answer_path}/likes": 0, f"{answer_path}/shares": 0,
        "/users/alice/followers": 0, "/users/alice/following": 1, "/users/alice/outbox": 2,
        "/users/frank/followers": 0, "/users/frank/outbox": 2,
        "/users/company/followers": 1, "/users/company/following": 0,
        "/users/eng/followers": 1, "/users/eng/following": 0,
    }
    assert followers_page["orderedItems"] == [f"http://{b.host}/users/bob"]
    assert [item.split("/users/")[1].split("/")[0] for item in replies_page["first"]["items"]] == ["bob"]
    # And a published reply names no internal parent; its conversation is its first published ancestor's
    assert "inReplyTo" not in notes["answer"] and "inReplyToAtomUri" not in notes["answer"]
    assert notes["answer"]["conversation"] == f"{answer}#conversation"
    assert "inReplyTo" not in notes["deep_answer"]
    assert notes["deep_answer"]["conversation"] == f"{launch}#conversation"
    # And the approved revision is what outsiders see, not frank's pending edit
    assert "approved words" in notes["frank_post"]["content"]


async def test_retraction_answers_gone_for_good_and_republishing_mints_a_new_uri(tmp_path: Path) -> None:
    async with federation_pair(tmp_path) as (a, b, router):
        world = await build_world(a, b, router)
        launch = world.published["launch"]
        old_uri = launch.uri or ""
        old_ref = old_uri.rsplit("/", 1)[-1]
        note = (await a.client.get(old_uri, headers={"Accept": AP})).json()
        photo_url = note["attachment"][0]["url"]
        photo_before = (await a.client.get(photo_url)).status_code

        # When the publisher retracts the post, and later publishes it again
        await a.state.services.publication.unpublish(launch.id, by="test")
        await settle(a, b)
        photo_after = (await a.client.get(photo_url)).status_code
        crawler = Crawler(a.client, world.base, world.leaks)
        retracted_seeds = probes(a.app, usernames(), status_targets(world, {"alice": old_ref}), a.host)
        world.published.pop("launch")
        after_retraction = {str(m): await crawler.crawl(retracted_seeds, m) for m in (Mode(AP), Mode(HTML))}
        republished = await a.state.services.publication.publish(launch.id, by="test")
        await settle(a, b)
        world.published["launch"] = republished
        seeds = probes(a.app, usernames(), status_targets(world, {"alice": old_ref}), a.host)
        after_republish = await crawler.crawl(seeds, Mode(AP))
        at_b = await b.state.storage.statuses.get_by_uri(republished.uri or "")

    # Then the retracted URI and every part of it answer 410 in every mode, before and after republishing
    for report in (*after_retraction.values(), after_republish):
        for part in ("", "/activity", "/replies", "/likes", "/shares"):
            assert report.answers[old_uri.removeprefix(world.base) + part].status == 410, (report is after_republish, part)
    # And the photo's public URL is gone with the post
    assert (photo_before, photo_after) == (200, 410)
    # And republishing minted a new URI (a new epoch) that answers, and that the partner received
    assert republished.uri == f"{old_uri}-2" and republished.publication_state is PublicationState.PUBLISHED
    assert after_republish.answers[(republished.uri or "").removeprefix(world.base)].status == 200
    assert at_b is not None and at_b.deleted_at is None
    # And nothing internal crossed or answered at any point
    leaks = [leak for r in (*after_retraction.values(), after_republish) for leak in r.leaks + r.differences]
    assert not leaks + router_leaks(world), "\n".join((leaks + router_leaks(world))[:20])


EXEMPT_FROM_SIGNATURES = ("/actor", "/.well-known/", "/nodeinfo/", "/health")


async def test_authorized_fetch_refuses_unsigned_reads_alike_for_hidden_and_missing(tmp_path: Path) -> None:
    async with federation_pair(tmp_path, INSIDEOUT_FEDERATION_AUTHORIZED_FETCH="true") as (a, b, router):
        # Given both instances require signed fetches, and still federate (b signs as its instance actor)
        world = await build_world(a, b, router)
        signer = await peer_signer(b)
        crawler = Crawler(a.client, world.base, world.leaks)
        seeds = probes(a.app, usernames(), status_targets(world), a.host)

        # When an outsider crawls unsigned and signed
        unsigned = await crawler.crawl(seeds, Mode(AP))
        unsigned_ld = await crawler.crawl(seeds, Mode(LD))
        signed = await crawler.crawl(seeds, signer)
        html = await crawler.crawl(seeds, Mode(HTML))

    # Then every unsigned ActivityPub read is 401, except what a peer needs to verify us or find anyone
    for report in (unsigned, unsigned_ld):
        wrong = [f"{path}: {answer.status}" for path, answer in report.answers.items()
                 if not path.startswith(EXEMPT_FROM_SIGNATURES) and answer.status != 401]
        assert not wrong, "\n".join(wrong[:20])
        assert report.answers["/actor"].status == 200
        assert report.answers["/.well-known/webfinger?resource=acct:alice@a.example"].status == 200
        assert report.answers["/nodeinfo/2.0"].status == 200
    # And signed reads get the published world, and hidden still answers exactly like missing everywhere
    for status in world.published.values():
        assert signed.answers[(status.uri or "").removeprefix(world.base)].status == 200
    problems = [p for r in (unsigned, unsigned_ld, signed, html) for p in r.leaks + r.differences]
    assert not problems + router_leaks(world), "\n".join((problems + router_leaks(world))[:20])
