"""The delivery worker: claim due rows, check, sign, POST, record.

One ``run_once`` claims a batch (at most a few rows per host, so one slow
host cannot hold the batch for long), delivers concurrently across hosts
under a global cap and a per-host cap, then writes every outcome and the
hosts' health in one transaction. A crash before that write loses nothing:
the rows' leases run out and another worker claims them again (delivery is
at least once, as everywhere in ActivityPub).

Before each POST the guard runs again on the stored payload, and rows of a
host whose circuit is open are put back without a request. A row whose
lease would run out before its request could finish is released unsent, so
a lease never expires under a request still in flight.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from activitypub.errors import BlockedDestination, ConfigError, StorageError
from activitypub.uris import Uris
from federation.backoff import HostHealthPolicy, RetryPolicy
from federation.guard import DeliveryGuard, LeakPrevented
from federation.http import OutboundClient
from federation.keycache import PrivateKeyCache
from federation.outcomes import Outcome, classify_exception, classify_response
from federation.signing import HttpSignatureAuth, ThreadedSignatureAuth
from storage.clock import utcnow
from storage.deliveries import Delivery, DeliveryState, DeliveryUpdate, DomainHealth
from storage.models import Account
from storage.protocols import Storage

log = logging.getLogger(__name__)

ACTIVITY_CONTENT_TYPE = "application/activity+json"
ERROR_CHARS = 500
# Seconds left in a lease below which a claimed row is put back unsent: more than the client's total deadline.
DEFAULT_SEND_BUDGET = 90.0
HostEvent = Literal["up", "down"]
_OUTCOME_STATES = {"ok": DeliveryState.DONE, "gone": DeliveryState.GONE, "permanent": DeliveryState.FAILED}


@dataclass
class _Run:
    """What one ``run_once`` learns as it goes; written out at its end."""

    now: datetime
    lease_until: datetime
    health: dict[str, DomainHealth]
    actors: dict[int, Account | None]
    verdicts: dict[tuple[str, int], str | None]
    updates: list[DeliveryUpdate]
    events: dict[str, list[tuple[HostEvent, datetime]]]


class DeliveryWorker:
    """Implements ``server.workers.Worker`` for the ``deliveries`` rows."""

    name = "deliveries"

    def __init__(
        self,
        storage: Storage,
        http: OutboundClient,
        guard: DeliveryGuard,
        *,
        base_url: str,
        worker_id: str,
        batch: int = 256,
        concurrency: int = 128,
        per_host_concurrency: int = 4,
        lease: timedelta = timedelta(minutes=5),
        send_budget: float = DEFAULT_SEND_BUDGET,
        retry: RetryPolicy | None = None,
        hosts: HostHealthPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        signing_clock: Callable[[], float] = time.time,
        keys: PrivateKeyCache | None = None,
        sign_in_thread: bool = True,
        idle_seconds: float = 1.0,
    ) -> None:
        self._storage = storage
        self._http = http
        self._guard = guard
        self._base_url = base_url.rstrip("/")
        self.worker_id = worker_id
        self._batch = batch
        self._concurrency = concurrency
        self._per_host = per_host_concurrency
        if lease.total_seconds() <= send_budget:
            raise ConfigError("The delivery lease must outlast one request", detail=f"{lease} <= {send_budget}s")
        self._lease = lease
        # Longer than the client's total deadline: a request started inside the lease ends inside it.
        self._send_budget = timedelta(seconds=send_budget)
        self._retry = retry or RetryPolicy()
        self._hosts = hosts or HostHealthPolicy()
        self._clock = clock
        self._signing_clock = signing_clock
        self._keys = keys or PrivateKeyCache()
        # RSA signing releases the GIL: in a thread it overlaps the event loop's HTTP work.
        self._auth = ThreadedSignatureAuth if sign_in_thread else HttpSignatureAuth
        self.idle_seconds = idle_seconds

    async def run_once(self) -> int:
        now = self._clock()
        store = self._storage.deliveries
        rows = await store.claim(
            self.worker_id, now, now + self._lease, self._batch, per_host_limit=self._per_host * 4
        )
        if not rows:
            return 0
        run = _Run(now, now + self._lease, dict(await store.domains({row.host for row in rows})), {}, {}, [], {})
        await self._deliver_all(run, rows)
        await self._persist(run)
        return len(rows)

    async def _deliver_all(self, run: _Run, rows: Sequence[Delivery]) -> None:
        overall = asyncio.Semaphore(self._concurrency)
        per_host: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self._per_host))

        async def one(row: Delivery) -> None:
            async with per_host[row.host], overall:
                try:
                    run.updates.append(await self._deliver(run, row))
                except Exception as exc:  # a bug must cost one row a retry, never the batch
                    log.exception("delivery %s failed unexpectedly", row.id)
                    run.updates.append(self._after(run, row, Outcome("retry", error=_error(exc)), host_event=None))

        await asyncio.gather(*(one(row) for row in rows))

    async def _persist(self, run: _Run) -> None:
        changes = {host: self._fold(events) for host, events in run.events.items()}
        async with self._storage.transaction():
            await self._storage.deliveries.complete(self.worker_id, run.updates)
            await self._storage.deliveries.update_domains(changes)

    def _fold(self, events: list[tuple[HostEvent, datetime]]) -> Callable[[DomainHealth], DomainHealth]:
        def change(health: DomainHealth) -> DomainHealth:
            for event, at in events:
                health = self._hosts.after_success(health, at) if event == "up" else self._hosts.after_failure(health, at)
            return health

        return change

    async def _deliver(self, run: _Run, row: Delivery) -> DeliveryUpdate:
        now = self._clock()
        if now + self._send_budget > run.lease_until:
            return DeliveryUpdate(row.id, DeliveryState.PENDING, now, attempted=False, next_attempt_at=now)
        health = run.health.get(row.host)
        if health is not None and self._hosts.is_open(health, now):
            return self._reschedule(row, now, self._hosts.reopen_at(health))
        actor = await self._actor(run, row.actor_account_id)
        if actor is None:
            return _final(row, now, DeliveryState.FAILED, "the signing account is gone or has no key")
        refusal = await self._verdict(run, row, actor)
        if refusal is not None:
            return _final(row, now, DeliveryState.FAILED, f"guard: {refusal}")
        outcome, event = await self._post(row, actor)
        return self._after(run, row, outcome, host_event=event)

    async def _post(self, row: Delivery, actor: Account) -> tuple[Outcome, HostEvent | None]:
        if actor.private_key_pem is None:  # ``_actor`` lets only accounts with a key through
            raise StorageError(detail=f"account {actor.id} has no private key to sign with")
        key = await self._keys.get(actor.id, actor.private_key_pem)
        key_id = Uris.of(self._base_url).key(actor.username)
        auth = self._auth(key_id, key, clock=self._signing_clock)
        headers = {"Content-Type": ACTIVITY_CONTENT_TYPE}
        try:
            result = await self._http.post(row.inbox_url, row.payload, headers, auth=auth)
        except BlockedDestination as exc:
            return Outcome("permanent", error=_error(exc)), None
        except Exception as exc:
            outcome = classify_exception(exc)
            return outcome, ("down" if outcome.kind == "retry" else None)
        outcome = classify_response(result.status, result.headers, now=self._clock())
        if outcome.kind != "ok":
            outcome = Outcome(outcome.kind, outcome.retry_after, outcome.status, f"{outcome.error}: {result.body_text}")
        return outcome, ("down" if outcome.kind == "retry" else "up")

    def _after(self, run: _Run, row: Delivery, outcome: Outcome, *, host_event: HostEvent | None) -> DeliveryUpdate:
        now = self._clock()
        if host_event is not None:
            self._note_host(run, row.host, host_event, now)
        error = outcome.error[:ERROR_CHARS] or None
        if outcome.kind != "retry":
            state = _OUTCOME_STATES[outcome.kind]
            return DeliveryUpdate(row.id, state, now, attempted=True, last_status=outcome.status, last_error=error)
        next_at = self._retry.next_attempt(row.created_at, row.attempts + 1, now, outcome.retry_after)
        state = DeliveryState.EXPIRED if next_at is None else DeliveryState.PENDING
        return DeliveryUpdate(row.id, state, now, True, next_at, outcome.status, error)

    def _note_host(self, run: _Run, host: str, event: HostEvent, now: datetime) -> None:
        run.events.setdefault(host, []).append((event, now))
        health = run.health.get(host) or DomainHealth(host)
        run.health[host] = self._hosts.after_success(health, now) if event == "up" else self._hosts.after_failure(health, now)

    def _reschedule(self, row: Delivery, now: datetime, at: datetime) -> DeliveryUpdate:
        if at > self._retry.deadline(row.created_at):
            return DeliveryUpdate(row.id, DeliveryState.EXPIRED, now, attempted=False, last_error="host circuit open")
        return DeliveryUpdate(row.id, DeliveryState.PENDING, now, attempted=False, next_attempt_at=at)

    async def _actor(self, run: _Run, account_id: int) -> Account | None:
        if account_id not in run.actors:
            account = await self._storage.accounts.get(account_id)
            usable = account is not None and account.is_local and account.private_key_pem is not None
            run.actors[account_id] = account if usable else None
        return run.actors[account_id]

    async def _verdict(self, run: _Run, row: Delivery, actor: Account) -> str | None:
        """The guard's refusal for this activity and signer, once per run."""
        key = (row.activity_uri, actor.id)
        if key not in run.verdicts:
            run.verdicts[key] = await self._check(row.payload, actor)
        return run.verdicts[key]

    async def _check(self, payload: bytes, actor: Account) -> str | None:
        try:
            activity: Any = json.loads(payload)
        except ValueError:
            return "stored payload is not JSON"
        if not isinstance(activity, dict):
            return "stored payload is not a JSON object"
        try:
            await self._guard.check(activity, actor)
        except LeakPrevented as exc:
            log.warning("delivery refused by the guard: %s", exc.detail)
            return exc.detail or exc.public_message
        return None


def _final(row: Delivery, now: datetime, state: DeliveryState, error: str) -> DeliveryUpdate:
    return DeliveryUpdate(row.id, state, now, attempted=False, last_error=error[:ERROR_CHARS])


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]

