"""Containment as a property: whatever staff do, in whatever order, nothing internal leaves.

Hypothesis draws sequences of posting, replying, mentioning (colleagues,
a department, the partner), boosting, favouriting, editing, deleting,
nominating, approving, publishing, unpublishing and following, and runs
them through the real services of two live instances (``a``, the
company; ``b``, a partner whose bob follows the company). After every
step, with the deliveries settled:

* no outbound request carries a canary that was never approved (a post
  published later may leave; its internal revisions never), nor names an
  employee who is not exposed;
* ``b``'s files hold no such canary;
* no unauthenticated ActivityPub or HTML URL of ``a`` for any known post
  or actor shows such a canary or name, nor any ``/api`` route under an
  app-only token shows a canary.

A leak is a failing test: fix the code, never this test.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from federation.guard import LeakPrevented
from server.mastodon.auth import digest_token, new_token
from server.media.store import PREFIXES
from storage.models import NewApplication, Visibility
from tests.integration.containment_model import (
    ACTORS,
    AUTHORS,
    FORGED_ORIGINS,
    HIDEABLE,
    IDENTITIES,
    INBOUND_KINDS,
    LOCAL,
    MENTIONS,
    OUTSIDE_OPS,
    Action,
    Driver,
    Model,
    setup,
)
from tests.integration.federation_pair import federation_pair, settle
from tests.integration.test_containment import ANONYMOUS_API, EMPTY_FOR_OUTSIDERS

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("on_each_media_store")]

AP = "application/activity+json"
HTML = "text/html"
API_PARAMS = ("{id}", "{account_id}", "{status_id}")
TOKEN_USES = 250

targets = st.integers(min_value=0, max_value=50)
mentions = st.sampled_from(MENTIONS)
# Public posts are the ones that can be published, and publishing is where leaks would start: weigh them up.
visibilities = st.sampled_from([Visibility.PUBLIC, Visibility.PUBLIC, Visibility.UNLISTED, Visibility.PRIVATE,
                                Visibility.DIRECT])
posts: st.SearchStrategy[Action] = st.tuples(st.just("post"), st.sampled_from(AUTHORS), visibilities, mentions,
                                             st.booleans())
actions: st.SearchStrategy[Action] = st.one_of(
    posts,
    st.tuples(st.just("reply"), st.sampled_from(AUTHORS), targets, mentions, st.booleans()),
    st.tuples(st.just("edit"), targets, mentions, st.booleans()),
    st.tuples(st.just("delete"), targets),
    st.tuples(st.just("boost"), st.sampled_from(ACTORS), targets),
    st.tuples(st.just("favourite"), st.sampled_from(ACTORS), targets),
    st.tuples(st.just("nominate"), targets),
    st.tuples(st.just("approve"), targets),
    *[st.tuples(st.just("publish"), targets, st.booleans())] * 3,
    st.tuples(st.just("unpublish"), targets),
    st.tuples(st.just("follow"), st.sampled_from(ACTORS), st.sampled_from(("alice", "eng", "company", "bob"))),
    *[st.tuples(st.just("partner"), targets)] * 2,
    st.tuples(st.just("partner_follow"), st.sampled_from(("alice", "frank", "carol", "eng"))),
    st.tuples(st.just("hide"), st.sampled_from(HIDEABLE)),
    st.tuples(st.just("expose"), st.sampled_from(HIDEABLE)),
    st.tuples(st.just("act_as"), st.sampled_from(IDENTITIES), st.sampled_from(OUTSIDE_OPS)),
    st.tuples(st.just("inbound"), st.sampled_from(INBOUND_KINDS), st.sampled_from(FORGED_ORIGINS), targets),
)


def outbound_leaks(model: Model, start: int) -> list[str]:
    found = []
    for method, url, body in model.router.requests[start:]:
        text = url + "\n" + body.decode("utf-8", "replace")
        found += [f"{method} {url} carries {canary}" for canary in model.forbidden(text)]
        if url.startswith(f"http://{model.b.host}/"):  # sent by a (b may ask a for anyone it likes)
            found += [f"{method} {url} names hidden {name}" for name in model.hidden_named(text)]
    return found


async def partner_leaks(model: Model) -> list[str]:
    """Every file of ``b`` (database, its WAL) and every object of its media store (cached media, on
    the local store or in the bucket), read as bytes."""
    data_dir = Path(model.b.state.settings.storage.database).parent
    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", "replace")
        found += [f"b's {path.name} holds {canary}" for canary in model.forbidden(text)]
    store = model.b.state.services.media_store
    if store.name != "local":  # a local store's objects are the files above
        for prefix in PREFIXES:
            async for info in store.keys(prefix):
                text = (await store.read(info.key) or b"").decode("utf-8", "replace")
                found += [f"b's object {info.key} holds {canary}" for canary in model.forbidden(text)]
    return found


def outside_paths(model: Model) -> list[str]:
    paths = []
    for name in LOCAL:
        paths += [f"/users/{name}", f"/@{name}", f"/@{name}.atom", f"/users/{name}/outbox?page=true"]
    # The staff web app's pages: an outsider (with or without an app-only token) only meets the sign-in page.
    paths += ["/", "/home", "/public/local", "/tags/outside", "/notifications", "/search?q=canary", "/people",
              "/departments", "/auth/sign_in"]
    for post in model.posts:
        paths += [f"/users/{post.author}/statuses/{post.id}", f"/@{post.author}/{post.id}"]
        paths += [f"/statuses/{post.id}{page}" for page in ("", "/history", "/edit", "/delete")]
        for ref in post.refs:
            base = f"/users/{post.author}/statuses/{ref}"
            paths += [base, f"/@{post.author}/{ref}", f"{base}/replies", f"{base}/activity"]
    return paths


async def crawl_leaks(model: Model) -> list[str]:
    found = []
    app_only = {"Authorization": f"Bearer {await app_only_token(model)}"}
    for path in outside_paths(model):
        for accept, token in ((AP, {}), (HTML, {}), (HTML, app_only)):
            response = await model.a.client.get(path, headers={"Accept": accept, **token})
            text = response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
            found += [f"GET {path} ({accept}) shows {canary}" for canary in model.forbidden(text)]
            found += [f"GET {path} ({accept}) names hidden {name}" for name in model.hidden_named(text)]
    return found


async def app_only_token(model: Model) -> str:
    storage = model.a.state.storage
    application = await storage.oauth.create_application(NewApplication(
        "outsider", None, ("urn:ietf:wg:oauth:2.0:oob",), ("read", "write", "follow"), new_token(),
        digest_token("secret")))
    token = new_token()
    await storage.tokens.create_access_token(digest_token(token), None, application.id, ["read", "write", "follow"])
    return token


def api_paths(model: Model, *, every_id: bool) -> list[str]:
    """Every GET /api route: those with one id with the newest post's and an account's id (or every id)."""
    routes = [r.path for r in model.a.app.routes
              if isinstance(r, Route) and r.path.startswith("/api/") and "GET" in (r.methods or set())]
    posts = model.posts if every_id else model.posts[-1:]
    accounts = LOCAL if every_id else ("carol",)
    ids = [str(post.id) for post in posts] + [str(model.accounts[name].id) for name in accounts]
    paths = []
    for route in routes:
        params = [p for p in API_PARAMS if p in route]
        if "{" not in route:
            paths.append(route)
        elif params and route.count("{") == 1:
            paths += [route.replace(params[0], value) for value in ids]
    return paths + ["/api/v1/timelines/tag/outside"]


async def api_leaks(model: Model, paths: list[str]) -> list[str]:
    found = []
    for number, path in enumerate(paths):
        if number % TOKEN_USES == 0:  # a fresh token before the rate limit (300 per token) could answer 429
            headers = {"Authorization": f"Bearer {await app_only_token(model)}"}
        response = await model.a.client.get(path, headers=headers)
        found += [f"GET {path} (app-only) shows {canary}" for canary in model.forbidden(response.text)]
        if path in EMPTY_FOR_OUTSIDERS:
            if (response.status_code, response.text) != (200, "[]"):
                found.append(f"GET {path} answered an app-only token with {response.status_code}")
            continue
        if response.status_code not in (401, 404) and path not in ANONYMOUS_API:
            found.append(f"GET {path} answered an app-only token with {response.status_code}")
    return found


async def check(model: Model, start: int, api: list[str]) -> None:
    problems = outbound_leaks(model, start) + await partner_leaks(model) + await crawl_leaks(model)
    problems += await api_leaks(model, api)
    problems += await approved_revisions_differ(model)
    problems += await retractions_refused(model)
    assert not problems, "\n".join(["steps:", *model.log, "problems:", *problems[:30]])


async def approved_revisions_differ(model: Model) -> list[str]:
    """The model's idea of the approved revision must be the server's (or the model proves nothing)."""
    storage = model.a.state.storage
    wrong = []
    for post in model.posts:
        status = await storage.statuses.get(post.id)
        assert status is not None
        if post.state == "published" and not post.deleted:
            edit = await storage.statuses.get_edit(status.published_edit_id) if status.published_edit_id else None
            text = edit.text if edit else status.text
            if not status.is_published or (post.approved or "?") not in text:
                wrong.append(f"post {post.id}: model approved {post.approved}, server shows {text!r}")
    return wrong


async def retractions_refused(model: Model) -> list[str]:
    """Retraction is always possible: the boundary lets every published post's Delete and Undo leave."""
    state = model.a.state
    refused = []
    for post in model.posts:
        status = await state.storage.statuses.get(post.id)
        if status is None or not status.is_published or status.deleted_at is not None:
            continue
        author = await state.storage.accounts.get(status.account_id)
        assert author is not None
        announcers = await state.storage.publication.announcer_ids(status.id, status.publication_epoch)
        for activity, signer in await state.services.publication.retraction(status, author, announcers):
            try:
                await state.services.guard.check(activity, signer)
            except LeakPrevented as exc:
                refused.append(f"post {post.id}: {activity['type']} by {signer.username} refused: {exc}")
    return refused


async def retract_everything(model: Model, driver: Driver) -> None:
    """At the end, every published post is unpublished, and its Delete reaches the partner."""
    published = [post for post in model.posts if post.state == "published" and not post.deleted]
    uris = []
    for post in published:
        status = await model.a.state.storage.statuses.get(post.id)
        assert status is not None and status.uri is not None
        uris.append(status.uri)
        await driver.services.review.unpublish(driver.reviewer, post.id)
        post.state = "retracted"
    await settle(model.a, model.b)
    to_b = [body for method, url, body in model.router.requests if url.startswith(f"http://{model.b.host}/")]
    missing = [uri for uri in uris if not any(b'"Delete"' in body and uri.encode() in body for body in to_b)]
    assert not missing, "\n".join(["steps:", *model.log, "no Delete reached b for:", *missing])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.lists(posts, min_size=2, max_size=3), published=targets,
       then=st.lists(actions, min_size=3, max_size=8))
async def test_no_sequence_of_staff_actions_lets_internal_content_out(
    first: list[Action], published: int, then: list[Action]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with federation_pair(Path(tmp)) as (a, b, router):
            model = await setup(a, b, router)
            driver = Driver(model)
            # Every sequence tries to publish early: the outside is where a leak would show.
            steps = [*first, ("publish", published, True), *then]
            for number, step in enumerate(steps, 1):
                start = len(router.requests)
                event(f"{step[0]} {await driver.run(step)}")
                # /api refuses app-only tokens route by route, whatever the ids: every id at the end is enough
                await check(model, start, api_paths(model, every_id=number == len(steps)))
            await retract_everything(model, driver)
