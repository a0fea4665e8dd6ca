"""The background workers one ``insideout serve`` runs: deliveries out, activities in, timed posts and polls."""

from __future__ import annotations

import os
import socket

from starlette.applications import Starlette

from federation.delivery import DeliveryWorker
from federation.handlers import default_handlers
from federation.handlers.statuses import StatusHandlers
from federation.inbox import InboxWorker
from server.activitypub.inbound import fanout_deliver, inbound_for
from server.mastodon.remote_media import media_cache_for
from server.services.cards import CardWorker
from server.services.polls import PollExpiryWorker
from server.services.push import build_push_worker
from server.services.remote_media import RemoteMediaWorker
from server.services.review_worker import ScheduledPublicationWorker
from server.services.scheduled import ScheduledStatusWorker
from server.workers import Worker


def default_workers(app: Starlette) -> list[Worker]:
    state = app.state.insideout
    services = state.services
    handlers = StatusHandlers(services.distribution).register(default_handlers())
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    return [
        DeliveryWorker(state.storage, state.http, services.guard, base_url=state.settings.base_url,
                       worker_id=worker_id),
        InboxWorker(state.storage, handlers, inbound_for(app).actors, base_url=state.settings.base_url,
                    deliver=fanout_deliver(state.storage, services.guard)),
        ScheduledStatusWorker(state.storage, services.statuses),
        ScheduledPublicationWorker(state.storage, services.review),
        PollExpiryWorker(state.storage, services.distribution),
        RemoteMediaWorker(state.storage, media_cache_for(app)),
        CardWorker(state.storage, state.http, media_cache_for(app)),
        build_push_worker(state.settings, state.storage, state.http, worker_id=f"push:{worker_id}"),
    ]
