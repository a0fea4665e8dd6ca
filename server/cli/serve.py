"""``insideout serve``: the HTTP server, with background workers unless told otherwise.

It binds its port before anything else, so a port in use is one line (exit code 2) and
touches no database; then it prepares the instance and tells the terminal, on the first
start only, the admin's password and, on a loopback base URL, what that fixes.
"""

from __future__ import annotations

import argparse
import errno
import logging
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn

from server.app import create_app
from server.bootstrap import FirstAdmin, ensure_first_admin, prepare_instance
from server.cli.banner import admin_banner, is_loopback, loopback_notice
from server.cli.common import CommandFailed, add_command
from server.config import Settings, config_file
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
    listener = listen(settings.server.host, settings.server.port)
    try:
        await _start(args, settings, listener)
    finally:
        listener.close()
    return 0


def listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound (uvicorn listens on it) or one line saying why it cannot be."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it
    # a response written as headers then body waits for the client's delayed ACK (40 ms) on keep-alive.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CommandFailed(_bind_failure(host, port, exc)) from None
    return sock


def _bind_failure(host: str, port: int, exc: OSError) -> str:
    choose = "choose another port with --port or [server] port"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use; stop the program using it, or {choose}"
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port} on {host} (ports below 1024 need privileges); {choose}"
    return f"cannot listen on port {port} on {host}: {exc.strerror or exc}; check [server] host"


async def _start(args: argparse.Namespace, settings: Settings, listener: socket.socket) -> None:
    created, first_admin = await _prepare(settings)
    if created and is_loopback(settings.base_url):
        _show(loopback_notice(settings, _absolute(config_file(getattr(args, "config", None)))))
    if first_admin:
        _show(admin_banner(first_admin, settings.base_url))
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
        await _Server(config).serve(sockets=[listener])
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Server(uvicorn.Server):
    """Says where it listens once started, as uvicorn does only for the sockets it binds itself."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and sockets:
            host, port = sockets[0].getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            log.info("listening", extra={"url": f"http://{shown}:{port}"})


def _after_graceful_shutdown(signum: int, frame: object) -> None:
    log.info("terminated by signal after a graceful shutdown", extra={"signal": signum})


async def _prepare(settings: Settings) -> tuple[bool, FirstAdmin | None]:
    """Whether this start created the instance, and the first admin if it was created now."""
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        created = await prepare_instance(settings, storage)
        return created, await ensure_first_admin(settings, storage, Passwords())
    finally:
        await storage.close()


def _absolute(path: Path | None) -> Path | None:
    return path.resolve() if path else None


def _show(text: str) -> None:
    # Straight to the terminal, never through logging: the admin's password must stay out of log files.
    print(text, file=sys.stdout, flush=True)
