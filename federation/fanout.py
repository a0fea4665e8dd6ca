"""Recipients to inboxes, and activities to delivery rows.

``plan_inboxes`` picks one inbox per remote server where it can: the
shared inbox when the actor advertises one (Mastodon's
``endpoints.sharedInbox``), else the actor's own inbox, each once. Local
accounts never get HTTP deliveries, and hosts the federation policy refuses
or that are marked unavailable get nothing.

``enqueue`` serialises the activity once; those exact bytes are what the
worker signs and sends to every inbox, so the Digest of each request is
over the same payload that the guard checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from activitypub.errors import InvalidInput
from federation.guard import HIDDEN_ADDRESSING, DeliveryGuard
from federation.http import HostPolicy
from federation.policy import normalise_host
from storage.clock import utcnow
from storage.deliveries import NewDelivery
from storage.models import Account
from storage.protocols import Storage

MAX_PAYLOAD_BYTES = 64 * 1024


def inbox_host(inbox_url: str) -> str | None:
    """The normalised host of an http(s) inbox URL, or None if it is not one."""
    try:
        parts = urlsplit(inbox_url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return normalise_host(parts.hostname)


def plan_inboxes(
    recipients: Iterable[Account], *, policy: HostPolicy, unavailable: frozenset[str] = frozenset()
) -> list[str]:
    """One inbox per shared inbox (else per actor), in first-seen order."""
    planned: dict[str, None] = {}
    for account in recipients:
        if account.is_local:
            continue
        inbox = account.shared_inbox_url or account.inbox_url
        if not inbox:
            continue
        host = inbox_host(inbox)
        if host is None or host in unavailable or not policy.is_allowed(host):
            continue
        planned.setdefault(inbox, None)
    return list(planned)


async def inboxes_for(storage: Storage, recipients: Iterable[Account], *, policy: HostPolicy) -> list[str]:
    """``plan_inboxes`` with the unavailable hosts looked up in the store."""
    remote = [account for account in recipients if not account.is_local]
    hosts = {host for account in remote if (host := inbox_host(account.shared_inbox_url or account.inbox_url or ""))}
    unavailable = await storage.deliveries.unavailable_hosts(hosts)
    return plan_inboxes(remote, policy=policy, unavailable=unavailable)


def strip_hidden_addressing(activity: dict[str, Any]) -> dict[str, Any]:
    """A copy without ``bto``/``bcc``, which the spec says never go out (top level and object)."""
    stripped = {key: value for key, value in activity.items() if key not in HIDDEN_ADDRESSING}
    inner = stripped.get("object")
    if isinstance(inner, dict):
        stripped["object"] = {key: value for key, value in inner.items() if key not in HIDDEN_ADDRESSING}
    return stripped


def serialise(activity: dict[str, Any]) -> bytes:
    return json.dumps(activity, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


async def enqueue(
    storage: Storage,
    activity: dict[str, Any],
    actor: Account,
    inboxes: Iterable[str],
    *,
    guard: DeliveryGuard,
    object_uri: str | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Queue ``activity`` signed by ``actor`` for each inbox; returns the rows inserted.

    Raises ``InvalidInput`` (no id, over 64 KB, a bad inbox URL) or the
    guard's ``LeakPrevented``; either way nothing is queued.
    """
    activity = strip_hidden_addressing(activity)
    activity_uri = activity.get("id")
    if not isinstance(activity_uri, str) or not activity_uri:
        raise InvalidInput("The activity has no id")
    payload = serialise(activity)
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidInput("The activity is too large to deliver", detail=f"{len(payload)} bytes > {MAX_PAYLOAD_BYTES}")
    rows = [_row(activity_uri, object_uri, actor, inbox, payload) for inbox in dict.fromkeys(inboxes)]
    if not rows:
        return 0
    await guard.check(activity, actor)
    return await storage.deliveries.enqueue(rows, clock())


def _row(activity_uri: str, object_uri: str | None, actor: Account, inbox: str, payload: bytes) -> NewDelivery:
    host = inbox_host(inbox)
    if host is None:
        raise InvalidInput("Not an inbox URL", detail=inbox)
    return NewDelivery(activity_uri, object_uri, actor.id, inbox, host, payload)
