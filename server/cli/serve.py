"""``insideout serve``: the HTTP server, with background workers unless told otherwise."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import Any

import uvicorn

from server.app import create_app
from server.bootstrap import FirstAdmin, ensure_first_admin, prepare_instance
from server.cli.common import add_command
from server.config import Settings
from server.http_client import outbound_client
from server.passwords import Passwords
from storage import open_storage

log = logging.getLogger("insideout.serve")


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "serve", serve, "run the server (creates the database on first start)")
    parser.add_argument("--host", help="override [server] host")
    parser.add_argument("--port", type=int, help="override [server] port")
    parser.add_argument("--no-workers", action="store_true", help="serve HTTP only; run workers elsewhere")


async def serve(args: argparse.Namespace, settings: Settings) -> int:
    server_settings = settings.server.model_copy(
        update={
            "host": args.host or settings.server.host,
            "port": args.port or settings.server.port,
            "workers_enabled": settings.server.workers_enabled and not args.no_workers,
        }
    )
    settings = settings.model_copy(update={"server": server_settings})
    first_admin = await _prepare(settings)
    if first_admin:
        _announce(first_admin, settings)
    app = create_app(settings, open_storage(settings.storage.database), outbound_client(settings))
    config = uvicorn.Config(
        app,
        host=settings.server.host,
        port=settings.server.port,
        log_config=None,
        proxy_headers=False,  # the app applies [server] trusted_proxies itself
        server_header=False,
        timeout_graceful_shutdown=15,
    )
    # uvicorn re-raises SIGTERM once its graceful shutdown is done; a handler here turns
    # that second delivery into a clean exit 0 instead of death by signal.
    previous = signal.signal(signal.SIGTERM, _after_graceful_shutdown)
    try:
        await uvicorn.Server(config).serve()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _after_graceful_shutdown(signum: int, frame: object) -> None:
    log.info("terminated by signal after a graceful shutdown", extra={"signal": signum})


async def _prepare(settings: Settings) -> FirstAdmin | None:
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await prepare_instance(settings, storage)
        return await ensure_first_admin(settings, storage, Passwords())
    finally:
        await storage.close()


def _announce(admin: FirstAdmin, settings: Settings) -> None:
    # Printed straight to the terminal, never through logging, so the password stays out of log files.
    print(
        "\n".join([
            "",
            "  Insideout created the first admin account. This password is shown once:",
            f"    username: {admin.username}",
            f"    email:    {admin.email}",
            f"    password: {admin.password}",
            f"  Sign in at {settings.base_url} and change it.",
            "",
        ]),
        file=sys.stdout,
        flush=True,
    )
