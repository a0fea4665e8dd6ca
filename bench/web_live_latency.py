"""Live updates of the staff web app: from a colleague's POST /api/v1/statuses to the page's ``update`` event.

Figure: p50 and p99 of (receipt time - time just before the POST) on the
stream a web page opens, ``GET /api/v1/streaming/user`` over SSE,
authenticated by the browser session cookie (as ``app.js`` does, with
``Sec-Fetch-Site: same-origin``). The server is a live uvicorn process of
its own (the real app, workers off, SQLite on disk or PostgreSQL); the
poster and the streams are httpx clients in this process, on loopback.
Baseline, the same run: the same stream of the same reader opened with a
bearer token, open at the same time, receiving the same posts.

Goal: p99 <= 1 s.

Run: .venv/bin/python bench/web_live_latency.py [--posts 200] [--database URL-or-path]
(a PostgreSQL URL: a new database beside it, ``<name>_web_live``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench.common import add_database_option, backend_of, emit, fresh_database  # noqa: E402
from bench.home_timeline import percentile  # noqa: E402
from bench.streaming import _free_port, _serve, _settings, _wait_for_server  # noqa: E402

GOAL_P99 = 1.0
WAIT = 15.0


async def _prepare(data_dir: Path, port: int, database: str) -> tuple[str, str, str, str]:
    """alice (the reader) following bob (the poster): bob's token, alice's token, her session cookie, her id."""
    from server.bootstrap import prepare_instance
    from server.services.access_tokens import digest_token, new_token
    from server.signin.sessions import session_cookie_name
    from server.signin.web_sessions import WebSessions
    from storage import open_storage
    from storage.models import AccountKind, NewAccount, NewUser

    settings = _settings(data_dir, port, database)
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await prepare_instance(settings, storage)
        tokens = []
        accounts = []
        for name in ("bob", "alice"):
            account = await storage.accounts.create_local(
                NewAccount(kind=AccountKind.EMPLOYEE, username=name, display_name=name, public_key_pem="-",
                           private_key_pem="-"),
                NewUser(email=f"{name}@example.com", password_hash="-"),
            )
            token = new_token()
            await storage.tokens.create_access_token(digest_token(token), account.id, None,
                                                     ["read", "write", "follow"])
            tokens.append(token)
            accounts.append(account)
        cookie = f"{session_cookie_name(settings)}={await WebSessions(storage).start(accounts[1].id)}"
        return tokens[0], tokens[1], cookie, str(accounts[0].id)
    finally:
        await storage.close()


class Stream:
    """One open SSE stream: the arrival time of each ``update`` event, by status id."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.changed = asyncio.Event()

    async def read(self, response: httpx.Response) -> None:
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "update":
                self.arrived[json.loads(line[5:])["id"]] = time.perf_counter()
                self.changed.set()

    async def wait_for(self, status_id: str) -> float | None:
        try:
            async with asyncio.timeout(WAIT):
                while status_id not in self.arrived:
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            return None
        return self.arrived[status_id]


@asynccontextmanager
async def opened(client: httpx.AsyncClient, headers: dict[str, str]) -> AsyncIterator[Stream]:
    stream = Stream()
    async with client.stream("GET", "/api/v1/streaming/user", headers=headers) as response:
        if response.status_code != 200:
            raise RuntimeError(f"the stream answered {response.status_code}: {await response.aread()!r}")
        reader = asyncio.create_task(stream.read(response))
        try:
            yield stream
        finally:
            reader.cancel()


async def measure(base: str, posts: int, ids: tuple[str, str, str, str]) -> tuple[list[float], list[float], int]:
    bob_token, alice_token, cookie, bob_id = ids
    timeout = httpx.Timeout(30, read=None)
    async with httpx.AsyncClient(base_url=base, timeout=timeout) as poster, \
            httpx.AsyncClient(base_url=base, timeout=timeout) as web, \
            httpx.AsyncClient(base_url=base, timeout=timeout) as app:
        followed = await poster.post(f"/api/v1/accounts/{bob_id}/follow",
                                     headers={"Authorization": f"Bearer {alice_token}"})
        followed.raise_for_status()
        session_ms: list[float] = []
        token_ms: list[float] = []
        lost = 0
        async with opened(web, {"Cookie": cookie, "Sec-Fetch-Site": "same-origin"}) as page_stream, \
                opened(app, {"Authorization": f"Bearer {alice_token}"}) as token_stream:
            for n in range(posts + 5):  # the first five warm up
                started = time.perf_counter()
                answer = await poster.post("/api/v1/statuses", json={"status": f"post {n}"},
                                           headers={"Authorization": f"Bearer {bob_token}"})
                answer.raise_for_status()
                status_id = answer.json()["id"]
                by_session, by_token = await asyncio.gather(page_stream.wait_for(status_id),
                                                            token_stream.wait_for(status_id))
                if by_session is None or by_token is None:
                    lost += 1
                    continue
                if n >= 5:
                    session_ms.append((by_session - started) * 1000)
                    token_ms.append((by_token - started) * 1000)
                await asyncio.sleep(0.01)
    return session_ms, token_ms, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    add_database_option(parser)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="insideout-web-live-"))
    database = fresh_database(args.database, folder, "web_live")
    port = _free_port()
    ids = asyncio.run(_prepare(folder, port, database))
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(str(folder), port, database),
                                                          daemon=True)
    server.start()
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(_wait_for_server(base))
        session_ms, token_ms, lost = asyncio.run(measure(base, args.posts, ids))
    finally:
        server.terminate()
        server.join(10)
    if not session_ms:
        raise SystemExit(f"no update arrived on the streams ({lost} posts lost)")
    p50, p99 = statistics.median(session_ms), percentile(session_ms, 0.99)
    base_p50, base_p99 = statistics.median(token_ms), percentile(token_ms, 0.99)
    print(f"POST /api/v1/statuses -> 'update' on GET /api/v1/streaming/user (SSE), {len(session_ms)} posts, "
          f"uvicorn in its own process, {backend_of(args.database)}:")
    print(f"  web page's stream (session cookie) p50 {p50:.1f} ms, p99 {p99:.1f} ms (goal p99 <= "
          f"{GOAL_P99 * 1000:.0f} ms)")
    print(f"  baseline, the same stream with a bearer token: p50 {base_p50:.1f} ms, p99 {base_p99:.1f} ms; "
          f"session / token = {p50 / base_p50:.2f}x at p50")
    if lost:
        print(f"  {lost} posts did not arrive on both streams within {WAIT:.0f} s")
    where = f" --database {args.database}" if args.database else ""
    print(f"  command: .venv/bin/python bench/web_live_latency.py --posts {args.posts}{where}")
    backend = backend_of(args.database)
    emit("web live update p50", p50, "ms", "", backend)
    emit("web live update p99", p99 / 1000, "s", f"<= {GOAL_P99:g} s", backend)
    emit("web live / token stream p50", p50 / base_p50, "x", "", backend)


if __name__ == "__main__":
    main()
