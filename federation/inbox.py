"""Inbound activities: stored raw on receipt, handled later by a worker.

The inbox endpoint only verifies and stores (``store_activity``); the
``InboxWorker`` claims due rows and runs the handler registered for the
activity type (Fedify's ``setInboxListeners().on(Follow, ...)``)::

    handlers = InboxHandlers()
    handlers.on("Follow", handle_follow)
    handlers.on("Delete", handle_self_delete, when=is_self_delete)

Handlers all have one shape: convert, check the origin, store, queue side
effects; each returns a short note kept on the row. What a handler raises
decides the row's fate: ``RetryLater`` (and unexpected errors) try again
with backoff, any other ``InsideoutError`` fails it for good. A type nobody
handles is marked done with a note saying so.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from activitypub.errors import Forbidden, InsideoutError, MalformedActivity, RetryLater
from activitypub.json_reader import UntrustedJsonError, loads_untrusted
from activitypub.parse import host_of, parse_activity, same_origin
from activitypub.vocab import Activity
from federation.actors import RemoteActors
from federation.backoff import RetryPolicy
from storage.models import Account, InboxItem, NewInboxItem
from storage.protocols import Storage

log = logging.getLogger(__name__)

# Retries for handlers: a remote fetch inside one may time out.
HANDLER_RETRY = RetryPolicy(floor=5.0, base=30.0, cap=3600.0)


def dedupe_key(activity: Activity, body: bytes) -> str:
    """The activity id, scoped to its actor when another origin minted it.

    Scoping stops one server from pre-empting another's activity by sending
    its id first; activities without an id (GoToSocial's Deletes) are keyed
    by a digest of the body.
    """
    if activity.id is None:
        return "sha256:" + hashlib.sha256(body).hexdigest()
    if host_of(activity.id) == host_of(activity.actor):
        return activity.id
    return f"{activity.actor} {activity.id}"


async def store_activity(
    storage: Storage, activity: Activity, body: bytes, *, key_id: str | None, recipient_id: int | None
) -> InboxItem | None:
    """Queue a verified activity; None when it was received before."""
    item = NewInboxItem(
        dedupe_key=dedupe_key(activity, body),
        activity_type=activity.type,
        actor_uri=activity.actor,
        body=body.decode("utf-8"),
        activity_id=activity.id,
        key_id=key_id,
        recipient_id=recipient_id,
    )
    return await storage.inbox.add(item)


@dataclass
class InboxContext:
    """What a handler gets: the parsed activity, its raw document, the sender, and our dependencies."""

    storage: Storage
    actors: RemoteActors
    base_url: str
    item: InboxItem
    activity: Activity
    document: Mapping[str, Any]
    sender: Account
    deliver: Deliver | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def require_same_origin(self, uri: str | None, what: str = "object") -> str:
        """The object must live where the actor lives: nobody may speak for another server's objects."""
        if uri is None or not same_origin(uri, self.activity.actor):
            raise Forbidden("Origin mismatch", detail=f"{what} {uri} is not on the origin of {self.activity.actor}")
        return uri


Handler = Callable[[InboxContext], Awaitable[str]]
Predicate = Callable[[Activity], bool]
# Queues an activity signed by a local actor for the given inboxes (``federation.fanout.enqueue`` + guard).
Deliver = Callable[[dict[str, Any], Account, list[str]], Awaitable[int]]


class NotMine(Exception):
    """Raised by a handler that finds, once it looks closer, that the activity is for another handler.

    ``Undo``/``Accept`` often name their object by URI only, so whether it
    was a Follow or a Like is known only after a lookup.
    """


@dataclass(frozen=True)
class _Registration:
    handler: Handler
    when: Predicate | None


class InboxHandlers:
    """Handlers by activity type; within a type, ones with a ``when`` are tried before the catch-all."""

    def __init__(self) -> None:
        self._by_type: dict[str, list[_Registration]] = {}

    def on(self, activity_type: str, handler: Handler, *, when: Predicate | None = None) -> InboxHandlers:
        registrations = self._by_type.setdefault(activity_type, [])
        registrations.append(_Registration(handler, when))
        registrations.sort(key=lambda r: r.when is None)  # stable: registration order otherwise
        return self

    def find(self, activity: Activity) -> list[Handler]:
        """Every handler that applies, most specific first; the worker runs the first that accepts."""
        return [
            registration.handler
            for registration in self._by_type.get(activity.type, [])
            if registration.when is None or registration.when(activity)
        ]

    @property
    def types(self) -> frozenset[str]:
        return frozenset(self._by_type)


def object_type_is(*types: str) -> Predicate:
    """For ``when=``: the embedded object has one of ``types``."""
    wanted = frozenset(types)

    def check(activity: Activity) -> bool:
        embedded = activity.embedded_object
        return embedded is not None and embedded.get("type") in wanted

    return check


class InboxWorker:
    """Drains ``inbox_items``; implements ``server.workers.Worker``."""

    name = "inbox"

    def __init__(
        self,
        storage: Storage,
        handlers: InboxHandlers,
        actors: RemoteActors,
        *,
        base_url: str,
        deliver: Deliver | None = None,
        batch: int = 50,
        lease_seconds: float = 300.0,
        max_attempts: int = 8,
        retry: RetryPolicy = HANDLER_RETRY,
        idle_seconds: float = 1.0,
    ) -> None:
        self._storage = storage
        self._handlers = handlers
        self._actors = actors
        self._base_url = base_url
        self._deliver = deliver
        self._batch = batch
        self._lease = lease_seconds
        self._max_attempts = max_attempts
        self._retry = retry
        self.idle_seconds = idle_seconds

    async def run_once(self) -> int:
        items = await self._storage.inbox.claim_due(self._batch, self._lease)
        for item in items:
            await self._process(item)
        return len(items)

    async def _process(self, item: InboxItem) -> None:
        try:
            note = await self._handle(item)
        except RetryLater as exc:
            await self._again(item, exc, exc.retry_after)
        except InsideoutError as exc:
            await self._fail(item, _describe(exc))
        except Exception as exc:
            # A bug or a hiccup (database busy): keep the row and its error, never the worker down.
            log.exception("inbox handler crashed", extra={"item_id": item.id, "activity_type": item.activity_type})
            await self._again(item, exc, None)
        else:
            await self._storage.inbox.mark_done(item.id, note)

    async def _handle(self, item: InboxItem) -> str:
        document, activity = _parse_item(item)
        handlers = self._handlers.find(activity)
        if not handlers:
            return f"ignored: no handler for {activity.type}"
        sender = await self._storage.accounts.get_by_uri(activity.actor)
        if sender is None:
            sender = await self._actors.resolve(activity.actor)
        context = InboxContext(
            self._storage, self._actors, self._base_url, item, activity, document, sender, self._deliver
        )
        for handler in handlers:
            try:
                return await handler(context)
            except NotMine:
                continue
        return f"ignored: no handler took this {activity.type}"

    async def _again(self, item: InboxItem, exc: BaseException, retry_after: float | None) -> None:
        error = _describe(exc)
        if item.attempts >= self._max_attempts:
            await self._fail(item, f"gave up after {item.attempts} attempts: {error}")
            return
        await self._storage.inbox.mark_retry(item.id, self._retry.delay(item.attempts, retry_after), error)

    async def _fail(self, item: InboxItem, error: str) -> None:
        log.info("inbox item failed", extra={"item_id": item.id, "activity_type": item.activity_type, "error": error})
        await self._storage.inbox.mark_failed(item.id, error)


def _parse_item(item: InboxItem) -> tuple[Mapping[str, Any], Activity]:
    try:
        document = loads_untrusted(item.body)
    except UntrustedJsonError as exc:
        raise MalformedActivity(f"stored body is not JSON: {exc}") from None
    activity = parse_activity(document)
    if activity.actor != item.actor_uri:
        raise Forbidden("Actor mismatch", detail=f"row says {item.actor_uri}, body says {activity.actor}")
    return document, activity


def _describe(exc: BaseException) -> str:
    if isinstance(exc, InsideoutError) and exc.detail:
        return f"{type(exc).__name__}: {exc.public_message} ({exc.detail})"[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]
