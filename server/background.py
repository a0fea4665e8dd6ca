"""The background workers, grouped into queues so separate ``insideout worker`` processes can split them.

``insideout serve`` runs every queue unless told ``--no-workers``; ``insideout worker --queues ...``
runs the chosen ones without HTTP. Correctness lives in the stored rows, so any number of processes
may run the same queue.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable
from datetime import timedelta

from starlette.applications import Starlette

from activitypub.errors import ConfigError
from federation.delivery import DEFAULT_SEND_BUDGET, DeliveryWorker
from federation.handlers import default_handlers
from federation.handlers.statuses import StatusHandlers
from federation.inbox import InboxWorker
from server.activitypub.inbound import inbound_for
from server.mastodon.remote_media import media_cache_for
from server.services.cards import CardWorker
from server.services.inbox_intake import fanout_deliver
from server.services.mail.service import mail_workers
from server.services.media_removals import MediaDeletionWorker
from server.services.polls import PollExpiryWorker
from server.services.push import build_push_worker
from server.services.remote_cache_cleanup import remote_cache_cleanup
from server.services.remote_media import RemoteMediaWorker
from server.services.review_worker import ScheduledPublicationWorker
from server.services.scheduled import ScheduledStatusWorker
from server.workers import Worker

QueueWorkers = Callable[[Starlette], list[Worker]]


def _worker_id() -> str:
    # Names the process that holds a lease, so an operator can tell which worker owns a row.
    return f"{socket.gethostname()}:{os.getpid()}"


def _delivery(app: Starlette) -> list[Worker]:
    state = app.state.insideout
    lease = state.settings.federation.delivery_lease_seconds
    # The budget for starting a request must fit in the lease; halving a short one keeps room to finish.
    return [DeliveryWorker(state.storage, state.http, state.services.guard, base_url=state.settings.base_url,
                           worker_id=_worker_id(), lease=timedelta(seconds=lease),
                           send_budget=min(DEFAULT_SEND_BUDGET, lease / 2))]


def _inbox(app: Starlette) -> list[Worker]:
    state = app.state.insideout
    services = state.services
    handlers = StatusHandlers(services.distribution).register(default_handlers())
    return [InboxWorker(state.storage, handlers, inbound_for(app).actors, base_url=state.settings.base_url,
                        deliver=fanout_deliver(state.storage, services.guard))]


def _media(app: Starlette) -> list[Worker]:
    state = app.state.insideout
    return [RemoteMediaWorker(state.storage, media_cache_for(app)),
            CardWorker(state.storage, state.http, media_cache_for(app)),
            MediaDeletionWorker(state.storage, state.services.media_store),
            *remote_cache_cleanup(state.storage, state.services.media_store, state.settings.media.remote_cache_days)]


def _scheduled(app: Starlette) -> list[Worker]:
    state = app.state.insideout
    services = state.services
    return [ScheduledStatusWorker(state.storage, services.statuses),
            ScheduledPublicationWorker(state.storage, services.review),
            PollExpiryWorker(state.storage, services.distribution)]


def _push(app: Starlette) -> list[Worker]:
    state = app.state.insideout
    return [build_push_worker(state.settings, state.storage, state.http, state.presenter.avatar_static,
                              worker_id=f"push:{_worker_id()}")]


def _mail(app: Starlette) -> list[Worker]:
    # Without an [email] section the queue has no workers: nothing is ever queued.
    state = app.state.insideout
    return list(mail_workers(state.storage, state.services.mail, worker_id=f"mail:{_worker_id()}"))


QUEUES: dict[str, QueueWorkers] = {
    "delivery": _delivery,
    "inbox": _inbox,
    "media": _media,
    "scheduled": _scheduled,
    "push": _push,
    "mail": _mail,
}


class UnknownQueue(ConfigError):
    default_message = "Unknown queue"


def check_queues(queues: Iterable[str]) -> list[str]:
    """``queues`` without repeats, in the order given; a name not in ``QUEUES`` raises ``UnknownQueue``."""
    chosen = list(dict.fromkeys(queues))
    unknown = [name for name in chosen if name not in QUEUES]
    if unknown:
        raise UnknownQueue(f"unknown queue {unknown[0]!r}; known queues: {', '.join(QUEUES)}")
    if not chosen:
        raise UnknownQueue(f"no queue given; known queues: {', '.join(QUEUES)}")
    return chosen


def workers_for(app: Starlette, queues: Iterable[str]) -> list[Worker]:
    return [worker for name in check_queues(queues) for worker in QUEUES[name](app)]


def default_workers(app: Starlette) -> list[Worker]:
    return workers_for(app, QUEUES)
