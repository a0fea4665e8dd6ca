"""Single sign-on round trip: from "Sign in with ..." to a signed-in session, through a loopback IdP.

Figure: p50 (and p90) of one whole sign-in as a browser makes it: GET
/auth/sso/start, the provider's authorize and login form (POST), its
redirects, our callback (code redeemed at the provider's token endpoint, ID
token verified against its JWKS, the account matched), the session cookie
set. The provider is the suite's real one (panva's oidc-provider under
node, tests/idp) on 127.0.0.1; the server is one uvicorn process (SQLite on
disk, or --database), both on loopback. Each sign-in uses a fresh browser,
so nothing is shared between runs but the server's cached discovery and keys.

Baseline, in the same process against the same server: a password sign-in
on the admin page (GET the form, POST it), with the same browser setup.

Goal: p50 <= 300 ms on loopback.

Run: .venv/bin/python bench/sso_sign_in.py [--runs 50] [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from bench.common import add_database_option, backend_of, emit, fresh_database  # noqa: E402
from server.app import create_app  # noqa: E402
from server.config import load_settings  # noqa: E402
from server.http_client import outbound_client  # noqa: E402
from server.passwords import Passwords  # noqa: E402
from server.services.accounts import AccountService  # noqa: E402
from server.signin.throttle import SignInThrottle  # noqa: E402
from storage import open_storage  # noqa: E402
from tests.idp_harness import OidcIdp, running_idp  # noqa: E402
from tests.integration.oauth_driver import only_form  # noqa: E402

COMMAND = ".venv/bin/python bench/sso_sign_in.py"
GOAL_P50_MS = 300.0
PASSWORD = "a long enough password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def create_staff(database: str, data_dir: Path, base_url: str) -> None:
    settings = load_settings(None, environ={"INSIDEOUT_STORAGE_DATABASE": database,
                                            "INSIDEOUT_STORAGE_DATA_DIR": str(data_dir),
                                            "INSIDEOUT_SERVER_BASE_URL": base_url})
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await storage.migrate()
        await AccountService(storage, Passwords()).create_employee("carol", "carol@example.test", PASSWORD)
    finally:
        await storage.close()


def password_sign_in(base_url: str) -> None:
    with httpx.Client(base_url=base_url, follow_redirects=False) as browser:
        form = only_form(browser.get("/admin/sign_in?break_glass=1").text)
        answer = browser.post(form.action, data={**form.fields, "login": "carol", "password": PASSWORD})
        if answer.status_code != 303:
            raise SystemExit(f"password sign-in failed: {answer.status_code} {answer.text[:200]}")


def sso_sign_in(base_url: str, idp: OidcIdp, username: str, password: str) -> None:
    with httpx.Client(base_url=base_url, follow_redirects=False) as browser:
        start = browser.get("/auth/sso/start?return_to=/admin")
        callback = idp.login(browser, start.headers["location"], username, password)
        back = browser.get(callback)
        if back.status_code != 303 or "insideout_session" not in browser.cookies:
            raise SystemExit(f"single sign-on failed: {back.status_code} {back.text[:200]}")


def timings_ms(runs: int, sign_in: Callable[[], None]) -> list[float]:
    sign_in()  # warm: the server fetches discovery and keys once
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        sign_in()
        found.append((time.perf_counter() - started) * 1000)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    add_database_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, running_idp(Path(folder)) as idp:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        database = fresh_database(args.database, Path(folder), "sso")
        asyncio.run(create_staff(database, Path(folder) / "data", base_url))
        settings = load_settings(None, environ={
            "INSIDEOUT_STORAGE_DATABASE": database, "INSIDEOUT_STORAGE_DATA_DIR": str(Path(folder) / "data"),
            "INSIDEOUT_SERVER_BASE_URL": base_url, "INSIDEOUT_SERVER_PORT": str(port),
            "INSIDEOUT_SERVER_WORKERS_ENABLED": "false", "INSIDEOUT_LOGGING_LEVEL": "warning",
            "INSIDEOUT_SSO_ISSUER": idp.issuer, "INSIDEOUT_SSO_CLIENT_ID": idp.client_id,
            "INSIDEOUT_SSO_CLIENT_SECRET": idp.client_secret,
        })
        idp.allow_redirect_uri(f"{base_url}/auth/sso/callback")
        users = [idp.new_user(email_verified=True) for _ in range(args.runs + 1)]
        app = create_app(settings, open_storage(settings.storage.database), outbound_client(settings))
        # One machine signing in over and over would empty its IP bucket: the figure is the round trip.
        app.state.insideout.sign_in_throttle = SignInThrottle(per_ip=10 * args.runs + 10)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        try:
            baseline = timings_ms(args.runs, lambda: password_sign_in(base_url))
            newcomers = iter(users)

            def next_newcomer() -> None:
                user = next(newcomers)
                sso_sign_in(base_url, idp, user.username, user.password)

            sso = timings_ms(args.runs, next_newcomer)
        finally:
            server.should_exit = True
            thread.join(10)
    p50, p90 = statistics.median(sso), statistics.quantiles(sso, n=10)[-1]
    base50 = statistics.median(baseline)
    print(f"single sign-on round trip over {args.runs} sign-ins (each a new person, just-in-time account):")
    print(f"  p50 {p50:.1f} ms, p90 {p90:.1f} ms; goal p50 <= {GOAL_P50_MS:.0f} ms")
    print(f"  baseline, password sign-in on the admin page: p50 {base50:.1f} ms; ratio {p50 / base50:.2f}x")
    print(f"  reproduce: {COMMAND} --runs {args.runs}" + (f" --database {args.database}" if args.database else ""))
    backend = backend_of(args.database)
    emit("sso sign-in round trip p50", p50, "ms", f"<= {GOAL_P50_MS:.0f} ms", backend)
    emit("password sign-in p50 (baseline)", base50, "ms", "baseline", backend)


if __name__ == "__main__":
    main()
