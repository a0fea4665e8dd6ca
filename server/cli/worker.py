"""``insideout worker``: background queues only, no HTTP, for scaling them apart from ``serve``.

It builds the very app ``serve`` builds (same services, same start-up checks) and runs its
lifespan without a server, so a worker process cannot drift from what a server would do.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette

from server.app import create_app
from server.background import QUEUES, check_queues, workers_for
from server.cli.common import add_command
from server.config import Settings
from server.http_client import outbound_client
from server.workers import Worker
from storage import open_storage

log = logging.getLogger("insideout.worker")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers, "worker", worker,
        "run background queues without HTTP (beside `serve --no-workers`)",
        epilog=(
            f"Queues: {', '.join(QUEUES)}. delivery sends activities out; inbox handles activities received;"
            " media fetches remote media and link cards, removes media objects and clears cached partner media"
            " after [media] remote_cache_days; scheduled publishes scheduled and reviewed posts"
            " and closes polls; push sends Web Push notifications; mail sends mail and the weekly digest"
            " (with an [email] section). Any number of workers may run the same"
            " queue. SIGTERM or SIGINT lets the current items finish, then exits 0."
        ),
    )
    parser.add_argument(
        "--queues", metavar="NAMES", default=",".join(QUEUES),
        help=f"comma-separated queues to run (default: all: {','.join(QUEUES)})",
    )


def parse_queues(text: str) -> list[str]:
    """``--queues`` as names; an unknown or missing name raises ``UnknownQueue`` (a one-line CLI error)."""
    return check_queues(name.strip() for name in text.split(",") if name.strip())


async def worker(args: argparse.Namespace, settings: Settings) -> int:
    queues = parse_queues(args.queues)
    # This command exists to run workers: a config that turns them off for `serve` does not apply here.
    settings = settings.model_copy(
        update={"server": settings.server.model_copy(update={"workers_enabled": True})}
    )

    def chosen(app: Starlette) -> Sequence[Worker]:
        return workers_for(app, queues)

    app = create_app(settings, open_storage(settings.storage.database), outbound_client(settings), workers=chosen)
    log.info("worker starting", extra={"queues": ",".join(queues)})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, _stop_requested, stop, signum)
    try:
        # The lifespan opens storage, prepares the instance, starts the workers and, on the way
        # out, lets each finish its current item before closing everything.
        async with app.router.lifespan_context(app):
            await stop.wait()
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
    log.info("worker stopped", extra={"queues": ",".join(queues)})
    return 0


def _stop_requested(stop: asyncio.Event, signum: int) -> None:
    if not stop.is_set():
        log.info("stopping after the current items", extra={"signal": signal.Signals(signum).name})
    stop.set()
