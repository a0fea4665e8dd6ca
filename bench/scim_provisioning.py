"""SCIM provisioning: 10,000 people created through /scim/v2, each put in a department, as Entra ID does it.

Figure: users/s for the whole run: POST /Users for every person (userName,
displayName, a work email, an externalId), then PATCH /Groups adding the
members to their department, 100 per request (Entra ID sends a few at a
time; Okta one), over departments made first with POST /Groups. Requests go
one after another, as a provisioning cycle sends them, through the real app
(routing, SCIM token check, scim2-models parsing, the services, storage,
the audit log) in process over ASGI: no socket.

Actor keys: every account has an RSA-2048 key pair, generated when it is made
whatever makes it (about 10-20 per second per core here). That cost is the
same for every way in, so both runs below share one pre-made key pair;
``--real-keys`` makes them for real.

Baseline, in the same process on a fresh database: the same people and
memberships written straight to storage (``create_local`` and
``set_member``, no HTTP, no SCIM, no audit), so the ratio is what SCIM's
door costs on top of the bare writes.

Goal: >= 50 users/s (10,000 people in under 3.5 minutes).

Run: .venv/bin/python bench/scim_provisioning.py [--users 10000] [--departments 50] [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

import server.services.provisioning as provisioning  # noqa: E402
from bench.common import add_database_option, backend_of, emit, fresh_database  # noqa: E402
from server.app import create_app  # noqa: E402
from server.config import load_settings  # noqa: E402
from server.http_client import outbound_client  # noqa: E402
from server.services.keys import KeyPair, new_key_pair  # noqa: E402
from storage import open_storage  # noqa: E402
from storage.models import AccountKind, MemberRole, NewAccount, NewUser  # noqa: E402

COMMAND = ".venv/bin/python bench/scim_provisioning.py"
GOAL = 50.0
BATCH = 100
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def person(number: int) -> dict[str, object]:
    return {"schemas": [USER], "userName": f"person{number}@corp.example", "externalId": f"E{number:06d}",
            "displayName": f"Person {number}", "active": True,
            "emails": [{"value": f"person{number}@corp.example", "type": "work", "primary": True}]}


def settings_for(database: str, data_dir: Path) -> object:
    return load_settings(None, environ={
        "INSIDEOUT_STORAGE_DATABASE": database, "INSIDEOUT_STORAGE_DATA_DIR": str(data_dir),
        "INSIDEOUT_SERVER_BASE_URL": "https://social.corp.example", "INSIDEOUT_SERVER_WORKERS_ENABLED": "false",
        "INSIDEOUT_LOGGING_LEVEL": "warning",
    })


async def scim_run(database: str, data_dir: Path, users: int, departments: int) -> float:
    settings = settings_for(database, data_dir)
    app = create_app(settings, open_storage(database), outbound_client(settings))  # type: ignore[arg-type]
    async with app.router.lifespan_context(app):
        secret = (await app.state.insideout.services.scim_tokens.create("bench", by="bench")).secret
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"}
        async with httpx.AsyncClient(transport=transport, base_url="https://social.corp.example/scim/v2",
                                     headers=headers, timeout=60) as scim:
            group_ids = []
            for number in range(departments):
                made = await scim.post("/Groups", json={"schemas": [GROUP], "displayName": f"Department {number}"})
                made.raise_for_status()
                group_ids.append(made.json()["id"])
            started = time.perf_counter()
            members: dict[str, list[str]] = {group_id: [] for group_id in group_ids}
            for number in range(users):
                made = await scim.post("/Users", json=person(number))
                if made.status_code != 201:
                    raise SystemExit(f"POST /Users failed: {made.status_code} {made.text[:300]}")
                members[group_ids[number % departments]].append(made.json()["id"])
                if number and number % 1000 == 0:
                    print(f"  {number} users, {number / (time.perf_counter() - started):.0f} users/s", flush=True)
            for group_id, ids in members.items():
                for start in range(0, len(ids), BATCH):
                    values = [{"value": user_id} for user_id in ids[start:start + BATCH]]
                    answer = await scim.patch(f"/Groups/{group_id}", json={
                        "schemas": [PATCH], "Operations": [{"op": "Add", "path": "members", "value": values}]})
                    if answer.status_code != 204:
                        raise SystemExit(f"PATCH /Groups failed: {answer.status_code} {answer.text[:300]}")
            elapsed = time.perf_counter() - started
            check = await scim.get("/Users", params={"count": "1"})
            assert check.json()["totalResults"] == users
    return users / elapsed


async def baseline_run(database: str, users: int, departments: int, keys: KeyPair | None) -> float:
    storage = open_storage(database)
    await storage.open()
    await storage.migrate()
    try:
        pair = keys or await new_key_pair()
        department_ids = []
        for number in range(departments):
            account = await storage.accounts.create_local(NewAccount(
                AccountKind.DEPARTMENT, f"department{number}", f"Department {number}", pair.public_pem,
                pair.private_pem, exposed=True))
            department_ids.append(account.id)
        started = time.perf_counter()
        created = []
        for number in range(users):
            pair = keys or await new_key_pair()
            account = await storage.accounts.create_local(
                NewAccount(AccountKind.EMPLOYEE, f"person{number}", f"Person {number}", pair.public_pem,
                           pair.private_pem),
                NewUser(f"person{number}@corp.example", "!scim"))
            created.append(account.id)
        for number, account_id in enumerate(created):
            await storage.departments.set_member(department_ids[number % departments], account_id, MemberRole.MEMBER)
        return users / (time.perf_counter() - started)
    finally:
        await storage.close()


async def run(args: argparse.Namespace, folder: Path) -> tuple[float, float]:
    keys = None
    if not args.real_keys:
        keys = await new_key_pair()

        async def premade() -> KeyPair:
            assert keys is not None
            return keys

        provisioning.new_key_pair = premade  # type: ignore[assignment]
    scim = await scim_run(fresh_database(args.database, folder, "scim"), folder / "data", args.users,
                          args.departments)
    baseline = await baseline_run(fresh_database(args.database, folder, "scim_baseline"), args.users,
                                  args.departments, keys)
    return scim, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--departments", type=int, default=50)
    parser.add_argument("--real-keys", action="store_true", help="generate an RSA key pair per account")
    add_database_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scim, baseline = asyncio.run(run(args, Path(folder)))
    keys = "real RSA-2048 key pairs" if args.real_keys else "one pre-made key pair (see the docstring)"
    print(f"SCIM provisioning of {args.users} users into {args.departments} departments ({keys}):")
    print(f"  {scim:.0f} users/s; goal >= {GOAL:.0f} users/s")
    print(f"  baseline, the same rows written straight to storage: {baseline:.0f} users/s; "
          f"ratio {scim / baseline:.2f}x")
    extra = (f" --users {args.users}" if args.users != 10_000 else "") \
        + (f" --departments {args.departments}" if args.departments != 50 else "") \
        + (" --real-keys" if args.real_keys else "") \
        + (f" --database {args.database}" if args.database else "")
    print(f"  reproduce: {COMMAND}{extra}")
    backend = backend_of(args.database)
    emit("SCIM provisioning (users with memberships)", scim, "users/s", f">= {GOAL:.0f} users/s", backend)
    emit("direct storage writes (baseline)", baseline, "users/s", "baseline", backend)


if __name__ == "__main__":
    main()
