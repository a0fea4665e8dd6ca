"""Every real remote document in the fixture corpus, signed and POSTed to our shared inbox, then handled.

Two properties:

1. Interop: each document is accepted (202), or refused as malformed
   (400) for a stated reason, and the inbox worker takes every stored row
   to an end (done, or failed with its reason), never crashing and never
   leaving a row waiting.
2. Containment: an activity aimed at an internal post (a like, a reply, a
   boost, a report, a delete) is dropped exactly as if it were aimed at a
   post that does not exist; the same activity aimed at a published post
   is the control that shows the aiming works.

The HTTP signature test vectors have their own tests (``tests/activitypub``);
``test_signature_vectors_have_their_own_tests`` only checks they stay used.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from activitypub.parse import parse_activity
from federation.inbox import InboxWorker, dedupe_key
from server.activitypub.inbound import inbound_for
from server.background import default_workers
from server.services.statuses import StatusDraft
from storage.models import Account, FollowState, InboxItem, InboxState, Page, Role, Status
from tests.federation.inbound_helpers import BASE_URL, Harness, inbox_app
from tests.federation.interop_corpus import (
    CorpusServer,
    as_delivery,
    corpus,
    minimal_actor,
    ref,
    signed_post,
    with_our_key,
)
from tests.fixtures_path import SIGNATURE_FIXTURES as SIGNATURE_VECTORS

pytestmark = pytest.mark.anyio

# Documents the parser refuses, and why; the corpus has none today: every one is well-formed enough.
EXPECTED_REFUSALS: dict[str, tuple[int, str]] = {
    # Its source rewrote the actor's domain but not the id's: an activity id on another host is refused.
    "misskey/like-emoji-reaction": (400, "activity id on another host than its actor"),
}
# Rows that end failed, and how their reason starts:
# - Lemmy's community boost is Announce{Create{Page}}: the handler unwraps it and fetches the Page from
#   its own id, which this corpus does not serve;
# - Mastodon's Announce names a post its server no longer has (the corpus has no such Note);
# - a Lemmy moderator on one instance removes a comment that lives on another: not theirs to delete here.
FETCH_404 = "RemoteHTTPError: The remote server refused the request (HTTP 404 from "
EXPECTED_FAILURES: dict[str, str] = {
    "lemmy/announce-create-page": FETCH_404 + "http://enterprise.lemmy.ml/post/7)",
    "mastodon/announce": FETCH_404 + "http://mastodon.example.org/@admin/99541947525187367",
    "lemmy/delete-remove-note": "Forbidden: Origin mismatch (object http://ds9.lemmy.ml/comment/1 ",
}
AIMED_TYPES = frozenset({"Like", "EmojiReact", "Dislike", "Announce", "Delete", "Undo", "Flag", "Create"})
MISSING_POST = f"{BASE_URL}/users/alice/statuses/117000000000000001"
COMPANY = f"{BASE_URL}/users/company"


def deliveries(server: CorpusServer) -> dict[str, dict[str, Any]]:
    """What peers would POST for the corpus, with activity ids made unique where fixtures reuse one.

    An actor's ``Update`` carries the document its server serves (with the key we hold), as a real one does.
    """
    found: dict[str, dict[str, Any]] = {}
    seen: set[Any] = set()
    for name, document in corpus():
        delivery = as_delivery(name, document)
        if delivery is None:
            continue
        if delivery["object"] is document and delivery["type"] == "Update":
            delivery["object"] = server.actor(document["id"])
        delivery = aimed_at_company(delivery)
        if delivery.get("id") in seen:
            delivery = {**delivery, "id": f"{delivery['id']}/{name.replace('/', '-')}"}
        seen.add(delivery.get("id"))
        found[name] = delivery
    return found


def aimed_at_company(delivery: dict[str, Any]) -> dict[str, Any]:
    """Follows and blocks in the corpus name their own servers' users; ours name our company instead."""
    kind, obj = delivery["type"], delivery.get("object")
    if kind in ("Follow", "Block") and isinstance(obj, str):
        return {**delivery, "object": COMPANY}
    if kind == "Undo" and isinstance(obj, dict) and obj.get("type") == "Follow":
        return {**delivery, "object": {**obj, "object": COMPANY}}
    return delivery


@asynccontextmanager
async def corpus_app(tmp_path: Path, server: CorpusServer) -> AsyncIterator[Harness]:
    """The real app with its workers stopped: the test runs them, so nothing races the assertions."""
    async with inbox_app(tmp_path, server, INSIDEOUT_SERVER_WORKERS_ENABLED="false") as harness:  # type: ignore[arg-type]
        yield harness


def inbox_worker(harness: Harness) -> InboxWorker:
    worker = next(w for w in default_workers(harness.app) if w.name == "inbox")
    assert isinstance(worker, InboxWorker)
    return worker


async def drain(harness: Harness) -> None:
    worker = inbox_worker(harness)
    for _ in range(20):
        if await worker.run_once() == 0:
            return
    raise AssertionError("the inbox worker never went idle")


async def post(harness: Harness, server: CorpusServer, activity: Mapping[str, Any]) -> int:
    signed = signed_post(activity, server.key_id(str(ref(activity.get("actor")))))
    response = await harness.client.post("/inbox", content=signed.body, headers=signed.headers)
    return response.status_code


async def row(harness: Harness, activity: Mapping[str, Any]) -> InboxItem | None:
    body = signed_post(activity, "https://unused.example/key").body
    return await harness.storage.inbox.get_by_dedupe_key(dedupe_key(parse_activity(activity), body))


async def follow_every_sender(harness: Harness, server: CorpusServer, senders: set[str]) -> None:
    """A staff member follows every sender, so their posts are kept and the Create handlers do real work."""
    watcher = (await harness.app.state.insideout.services.accounts.create_employee(
        "watcher", "watcher@local.example", "long enough password")).account
    actors = inbound_for(harness.app).actors
    for uri in sorted(senders):
        server.actor(uri)
        remote = await actors.resolve(uri)
        await harness.storage.follows.follow(watcher.id, remote.id, FollowState.ACCEPTED)


def describe(item: InboxItem | None) -> str:
    if item is None:
        return "not stored"
    return f"{item.state.value}: {item.note if item.state is InboxState.DONE else item.last_error}"


async def test_every_fixture_is_accepted_and_handled_to_an_end(tmp_path: Path) -> None:
    server = CorpusServer()
    # GoToSocial's Move names a target that confirms it (alsoKnownAs), as a real migration does.
    target = "https://another-server.com/users/my_new_account_hurray"
    server.documents[target] = with_our_key({**minimal_actor(target), "alsoKnownAs": [
        "https://example.org/users/1happyturtle"]})
    activities = deliveries(server)
    async with corpus_app(tmp_path, server) as harness:
        # Given a staff member follows every sender in the corpus
        senders = {str(ref(a.get("actor"))) for a in activities.values()}
        await follow_every_sender(harness, server, senders)

        # When each document is signed by its actor's origin and POSTed, and the inbox worker runs
        answers = {name: await post(harness, server, activity) for name, activity in activities.items()}
        await drain(harness)
        rows = {name: await row(harness, activity) for name, activity in activities.items()
                if answers[name] == 202}
        counts = await harness.storage.inbox.count_by_state()

    # Then every document is accepted, or refused as malformed for the stated reason
    assert {n: s for n, s in answers.items() if s != 202} == {n: s for n, (s, _) in EXPECTED_REFUSALS.items()}
    # And every row ended: done with a note, or failed with a reason; none waits for a retry (a crash would)
    outcomes = {name: describe(item) for name, item in rows.items()}
    unfinished = {n: o for n, o in outcomes.items() if not o.startswith(("done: ", "failed: ")) or o.endswith(": ")}
    assert not unfinished, unfinished
    assert counts.get(InboxState.PENDING.value, 0) == 0, counts
    failed = {n: o for n, o in outcomes.items() if o.startswith("failed")}
    assert failed.keys() == EXPECTED_FAILURES.keys(), failed
    assert all(failed[n].startswith(f"failed: {why}") for n, why in EXPECTED_FAILURES.items()), failed
    # And the handlers did real work, not just "ignored"
    done_notes = " | ".join(outcomes.values())
    for work in ("stored status", "follow accepted", "unfollowed", "blocks company", "actor updated",
                 "actor deleted", "moved to", "stored boost"):
        assert work in done_notes, f"no fixture reached '{work}': {outcomes}"


def aimed_at(activity: Mapping[str, Any], target: str, label: str) -> dict[str, Any] | None:
    """The same activity pointed at ``target`` (reply, like, boost, report, delete, undo of a like)."""
    document = copy.deepcopy(dict(activity))
    kind, obj = document["type"], document.get("object")
    if kind not in AIMED_TYPES or ref(obj) == document["actor"]:
        return None  # not aimed at a post (self-deletes)
    if kind == "Create":
        if not isinstance(obj, dict):
            return None
        obj["inReplyTo"] = target
        obj["id"] = f"{obj['id']}/{label}"
    elif kind == "Undo":
        if not (isinstance(obj, dict) and obj.get("type") == "Like"):
            return None
        obj["object"] = target
    elif kind == "Flag":
        document["object"] = [target]
    elif isinstance(obj, dict):
        obj["id"] = target
    else:
        document["object"] = target
    if isinstance(document.get("id"), str):
        document["id"] = f"{document['id']}/{label}"
    return document


async def posts_of(harness: Harness) -> tuple[Account, Status, Status, Status]:
    """alice's internal post, a published one, and one published once and retracted since."""
    services = harness.app.state.insideout.services
    alice = (await services.accounts.create_employee(
        "alice", "alice@local.example", "long enough password", role=Role.PUBLISHER)).account
    internal = await services.statuses.create(alice, StatusDraft(text="inside only"))
    shown = await services.statuses.create(alice, StatusDraft(text="for everyone"))
    withdrawn = await services.statuses.create(alice, StatusDraft(text="for everyone, briefly"))
    await services.publication.publish(withdrawn.id, by="test")
    retracted = await services.publication.unpublish(withdrawn.id, by="test")
    return alice, internal, await services.publication.publish(shown.id, by="test"), retracted


async def traces(harness: Harness, alice: Account, status: Status) -> list[str]:
    """Everything an activity could have left on a post: favourites, boosts, replies, reports, notifications."""
    storage = harness.storage
    found = [f"{n} remote favourites" for n in (await storage.interactions.interactors([status.id])).values()]
    found += [f"boost {b.id}" for b in await storage.statuses.reblogs_of(status.id)]
    found += [f"reply {s.id}" for s in await storage.statuses.thread(status.thread_id) if s.id != status.id]
    found += [f"report {r.id}" for r in await storage.moderation.list_reports()
              if status.uri in r.target_object_uris or f"{BASE_URL}/users/alice/statuses/{status.id}"
              in r.target_object_uris]
    found += [f"notification {n.type}" for n in await storage.notifications.list(alice.id, Page(limit=80))
              if n.status_id == status.id and n.type in ("favourite", "reblog", "mention")]
    return found


async def test_activities_aimed_at_an_internal_post_are_dropped_like_ones_aimed_at_nothing(tmp_path: Path) -> None:
    server = CorpusServer()
    async with corpus_app(tmp_path, server) as harness:
        # Given an internal post and a published one (nobody here follows any sender)
        alice, internal, published, retracted = await posts_of(harness)
        # The URI the internal post would get if it were published: what a guessing outsider would try.
        internal_uri = f"{BASE_URL}/users/alice/statuses/{internal.id}"
        variants: dict[str, dict[str, dict[str, Any]]] = {}
        for name, activity in deliveries(server).items():
            if name in EXPECTED_REFUSALS:
                continue
            aimed = {label: aimed_at(activity, uri, label) for label, uri in (
                ("internal", internal_uri), ("missing", MISSING_POST), ("published", published.uri or ""),
                ("retracted", retracted.uri or ""))}
            if all(v is not None for v in aimed.values()):
                variants[name] = {label: v for label, v in aimed.items() if v is not None}

        # When each is aimed at the internal post, at a post that does not exist, and at the published one
        answers = {(name, label): await post(harness, server, activity)
                   for name, aimed in variants.items() for label, activity in aimed.items()}
        await drain(harness)
        outcomes = {(name, label): describe(await row(harness, activity))
                    for name, aimed in variants.items() for label, activity in aimed.items()}
        internal_traces = await traces(harness, alice, internal)
        published_traces = await traces(harness, alice, published)
        retracted_traces = await traces(harness, alice, retracted)

    assert len(variants) >= 20, sorted(variants)
    # Then the internal post answers and ends exactly like the missing one: accepted, then ignored
    for name in variants:
        assert answers[name, "internal"] == answers[name, "missing"] == 202, name
        internal_outcome, missing_outcome = outcomes[name, "internal"], outcomes[name, "missing"]
        assert internal_outcome.split(":")[0] == missing_outcome.split(":")[0], (name, internal_outcome,
                                                                              missing_outcome)
        assert internal_outcome.startswith("done: ignored"), (name, internal_outcome)
    # And nothing of it stuck to the internal post; a retracted one collects no new likes, boosts or replies
    # (a report of it is kept: outsiders did see it while it was published)
    assert internal_traces == []
    assert [trace for trace in retracted_traces if not trace.startswith("report")] == []
    # While the same activities aimed at the published post did reach it (the aiming works)
    kinds = {trace.split(" ")[1] if trace[0].isdigit() else trace.split(" ")[0] for trace in published_traces}
    assert {"remote", "boost", "reply", "report", "notification"} <= kinds, published_traces


def test_signature_vectors_have_their_own_tests() -> None:
    """The cavage, RFC 9421 and digest vectors are verified in tests/activitypub; not repeated here."""
    tests = Path(__file__).resolve().parents[1] / "activitypub"
    sources = " ".join(path.read_text(encoding="utf-8") for path in tests.glob("test_signatures_*.py"))
    unused = [vector.name for vector in SIGNATURE_VECTORS.glob("*.json") if vector.stem not in sources]
    assert not unused, f"signature vectors no test reads: {unused}"
