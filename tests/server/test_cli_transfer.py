"""``insideout export`` / ``insideout import``: a live SQLite instance moves to another database.

Given an instance built through the real app (accounts, posts with media,
a reply, follows, a favourite, a bookmark, a poll with a vote, a published
post with its deliveries, an OAuth app); when it is exported and imported
into a new database of the suite's backend (PostgreSQL on PostgreSQL runs,
another SQLite file otherwise); then a Mastodon client sees the same
things there, search finds posts (the index was rebuilt), and the old
token and password still sign in. Bad files, non-empty targets and
another schema version are refused, leaving the target as it was.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from server.bootstrap import prepare_instance
from server.cli import main
from server.cli.transfer import WARNING, ProgressBar
from server.config import load_settings
from storage import open_storage
from storage.models import FollowState, NewStatus, RemoteProfile, Visibility
from storage.transfer import export_database
from tests.backends import fresh_database, on_postgresql, only_on_postgresql, only_on_sqlite
from tests.federation.inbound_helpers import BASE_URL
from tests.server.api.admin_world import admin_world
from tests.server.helpers import app_for, bearer, serving, settings_for

SOURCE = "source.sqlite3"
PASSWORD = "long enough password"


@dataclass
class Source:
    views: dict[str, Any]
    sam_token: str
    client_id: str
    client_secret: str
    post_id: str


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 160, 90)).save(buffer, "PNG")
    return buffer.getvalue()


async def build_source(tmp_path: Path) -> Source:
    async with admin_world(tmp_path, INSIDEOUT_STORAGE_DATABASE=str(tmp_path / SOURCE)) as w:
        client, ada, sam = w.client, w.admin, w.staff
        sam_token = sam["Authorization"].removeprefix("Bearer ")
        ada_account, sam_account = await w.local("ada"), await w.local("sam")

        media = await client.post("/api/v2/media", headers=sam, files={"file": ("fish.png", png(), "image/png")},
                                  data={"description": "a striped fish"})
        assert media.status_code in (200, 202), media.text
        post = (await client.post("/api/v1/statuses", headers=sam, data={
            "status": "The zebrafish moved offices", "media_ids[]": media.json()["id"]})).json()
        reply = await client.post("/api/v1/statuses", headers=ada, data={
            "status": "Welcome, zebrafish!", "in_reply_to_id": post["id"]})
        assert reply.status_code == 200, reply.text
        poll = (await client.post("/api/v1/statuses", headers=ada, json={
            "status": "Lunch?", "poll": {"options": ["Pizza", "Salad"], "expires_in": 3600}})).json()["poll"]
        assert (await client.post(f"/api/v1/polls/{poll['id']}/votes", headers=sam,
                                  data={"choices[]": ["1"]})).status_code == 200
        assert (await client.post(f"/api/v1/accounts/{sam_account.id}/follow", headers=ada)).status_code == 200
        assert (await client.post(f"/api/v1/statuses/{post['id']}/favourite", headers=ada)).status_code == 200
        assert (await client.post(f"/api/v1/statuses/{post['id']}/bookmark", headers=ada)).status_code == 200

        partner = await w.storage.accounts.upsert_remote(RemoteProfile(
            uri="https://partner.example/users/pat", username="pat", domain="partner.example", actor_type="Person",
            inbox_url="https://partner.example/users/pat/inbox"))
        company = await w.local("company")
        for followed in (company, ada_account):
            await w.storage.follows.follow(partner.id, followed.id, FollowState.ACCEPTED)
        news = await w.storage.statuses.create(NewStatus(
            account_id=ada_account.id, visibility=Visibility.PUBLIC, text="Quarterly news",
            content="<p>Quarterly news</p>"))
        await w.state.services.publication.publish(news.id, by="cli:test", announcers=[], reason=None)
        deliveries = await w.storage.database.fetch_one("SELECT count(*) FROM deliveries")  # type: ignore[attr-defined]
        assert deliveries is not None and deliveries[0] > 0

        app = (await client.post("/api/v1/apps", data={
            "client_name": "Mover", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read"})).json()
        views = await client_views(client, ada, sam, post_id=post["id"], poll_id=poll["id"],
                                   ada_id=ada_account.id, sam_id=sam_account.id)
        assert [s["id"] for s in views["search by text"]["statuses"]][-1] == post["id"]
        assert [s["id"] for s in views["search by media description"]["statuses"]] == [post["id"]]
        assert views["post"]["favourites_count"] == 1 and views["post"]["replies_count"] == 1
        assert views["poll"]["votes_count"] == 1 and len(views["home"]) >= 3
        return Source(views, sam_token, app["client_id"], app["client_secret"], post["id"])


async def client_views(client: Any, ada: dict[str, str], sam: dict[str, str], *, post_id: str, poll_id: str,
                       ada_id: int, sam_id: int) -> dict[str, Any]:
    """What a Mastodon client shows ada and sam: every answer must be the same after the move."""
    pages = {
        "sam himself": ("/api/v1/accounts/verify_credentials", sam, {}),
        "sam as ada sees him": (f"/api/v1/accounts/{sam_id}", ada, {}),
        "home": ("/api/v1/timelines/home", ada, {}),
        "post": (f"/api/v1/statuses/{post_id}", ada, {}),
        "thread": (f"/api/v1/statuses/{post_id}/context", sam, {}),
        "sam's posts": (f"/api/v1/accounts/{sam_id}/statuses", ada, {}),
        "ada follows": (f"/api/v1/accounts/{ada_id}/following", ada, {}),
        "poll": (f"/api/v1/polls/{poll_id}", sam, {}),
        "favourites": ("/api/v1/favourites", ada, {}),
        "bookmarks": ("/api/v1/bookmarks", ada, {}),
        "notifications": ("/api/v1/notifications", sam, {}),
        "search by text": ("/api/v2/search", ada, {"q": "zebrafish", "type": "statuses"}),
        "search by media description": ("/api/v2/search", ada, {"q": "striped", "type": "statuses"}),
    }
    views = {}
    for name, (path, headers, params) in pages.items():
        response = await client.get(path, headers=headers, params=params)
        assert response.status_code == 200, f"{name}: {response.text}"
        views[name] = response.json()
    return views


def use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database: str) -> None:
    """The CLI's settings come from the environment; keep the suite's own variables out of it."""
    for name in ("INSIDEOUT_CONFIG", "TEST_STORAGE_BACKEND", "TEST_POSTGRES_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSIDEOUT_STORAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INSIDEOUT_STORAGE_DATABASE", database)
    monkeypatch.setenv("INSIDEOUT_SERVER_BASE_URL", BASE_URL)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rows_of(path: Path) -> dict[str, list[str]]:
    """Each table's rows, as JSON, sorted: two exports of the same data give the same."""
    tables: dict[str, list[str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        header = json.loads(next(lines))
        for table in header["tables"]:
            assert json.loads(next(lines))["table"] == table["name"]
            tables[table["name"]] = sorted(next(lines).strip() for _ in range(table["rows"]))
    return tables


async def scalar(database: str, sql: str, *params: Any) -> Any:
    storage = open_storage(database)
    await storage.open()
    try:
        row = await storage.database.fetch_one(sql, params)  # type: ignore[attr-defined]
        assert row is not None
        return row[0]
    finally:
        await storage.close()


async def account_count(database: str) -> int:
    return int(await scalar(database, "SELECT count(*) FROM accounts"))


async def after_the_move(tmp_path: Path, target: str, source: Source) -> dict[str, Any]:
    app = app_for(settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL=BASE_URL, INSIDEOUT_STORAGE_DATABASE=target))
    async with serving(app) as client:
        storage = app.state.insideout.storage
        ada, sam = await storage.accounts.get_local("ada"), await storage.accounts.get_local("sam")
        ada_token = (await client.post("/oauth/token", data={
            "grant_type": "password", "username": "ada", "password": PASSWORD, "scope": "read",
            "client_id": source.client_id, "client_secret": source.client_secret})).json()["access_token"]
        views = await client_views(client, bearer(ada_token), bearer(source.sam_token), post_id=source.post_id,
                                   poll_id=source.views["poll"]["id"], ada_id=ada.id, sam_id=sam.id)
        wrong = await client.post("/oauth/token", data={
            "grant_type": "password", "username": "ada", "password": "not the password", "scope": "read",
            "client_id": source.client_id, "client_secret": source.client_secret})
        assert wrong.status_code == 400
        return views


def move_and_compare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    source = asyncio.run(build_source(tmp_path))
    exported, again = tmp_path / "instance.jsonl.gz", tmp_path / "again.jsonl.gz"

    use(monkeypatch, tmp_path, str(tmp_path / SOURCE))
    code, _, err = run(capsys, "export", str(exported))
    assert code == 0, err
    assert "private keys" in err and re.search(r"statuses +\[#+\] (\d+)/\1 rows \(100%\)", err)
    assert re.search(r"exported \d+ tables, \d+ rows \(schema version \d+\) in [\d.]+ s", err)

    target = fresh_database(tmp_path, "target")
    use(monkeypatch, tmp_path, target)
    assert run(capsys, "db", "migrate")[0] == 0
    code, _, err = run(capsys, "import", str(exported))
    assert code == 0, err
    assert re.search(r"deliveries +\[#+\] ([1-9]\d*)/\1 rows \(100%\)", err) and "imported" in err

    # Every row of every table arrived as it was (bytes included); re-exported from the target, it reads the same.
    assert run(capsys, "export", "--quiet", str(again)) == (0, "", err_warning())
    assert rows_of(again) == rows_of(exported)

    assert asyncio.run(after_the_move(tmp_path, target, source)) == source.views


def err_warning() -> str:
    return WARNING + "\n"


@only_on_postgresql("the move this command exists for")
def test_a_sqlite_instance_moves_to_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    move_and_compare(tmp_path, monkeypatch, capsys)


@only_on_sqlite("the PostgreSQL run moves it to PostgreSQL instead")
def test_a_sqlite_instance_moves_to_another_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    move_and_compare(tmp_path, monkeypatch, capsys)


# --- refusals ---------------------------------------------------------------------------------------------


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """An export of a small instance: an account made by the CLI, and the company made by a start."""
    source = str(tmp_path / SOURCE)
    use(monkeypatch, tmp_path, source)
    assert run(capsys, "account", "create", "alice", "--email", "a@example.com", "--password", PASSWORD)[0] == 0
    asyncio.run(start_once())
    path = tmp_path / "small.jsonl.gz"
    assert run(capsys, "export", "--quiet", str(path))[0] == 0
    use(monkeypatch, tmp_path, fresh_database(tmp_path, "target"))
    return path


async def start_once() -> None:
    settings = load_settings()
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await prepare_instance(settings, storage)
    finally:
        await storage.close()


def rewritten(path: Path, destination: Path, change: Any) -> Path:
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    destination.write_bytes(gzip.compress(b"".join(change(lines))))
    return destination


def test_import_refuses_a_database_that_has_been_started(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(start_once())
    before = asyncio.run(account_count(load_settings().storage.database))

    code, _, err = run(capsys, "import", str(exported))

    assert code == 2 and err.count("\n") == 1
    assert "not empty (table accounts has rows)" in err and "insideout db migrate" in err
    assert asyncio.run(account_count(load_settings().storage.database)) == before


def test_import_refuses_another_schema_version(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def newer(lines: list[bytes]) -> list[bytes]:
        header = json.loads(lines[0])
        header["schema_version"] += 1
        return [json.dumps(header).encode() + b"\n", *lines[1:]]

    code, _, err = run(capsys, "import", str(rewritten(exported, tmp_path / "newer.jsonl.gz", newer)))

    assert code == 2 and "schema version" in err and "insideout db migrate" in err
    assert asyncio.run(account_count(load_settings().storage.database)) == 0


def test_a_truncated_file_fails_midway_and_leaves_the_target_empty(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = gzip.decompress(exported.read_bytes())
    # Cut well after the accounts: they are loaded when the end of the file turns up missing.
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(whole[: len(whole) * 3 // 4]))
    truncated_gzip = tmp_path / "truncated.jsonl.gz"
    truncated_gzip.write_bytes(exported.read_bytes()[: exported.stat().st_size // 2])

    code, _, err = run(capsys, "import", str(cut))

    assert code == 2 and re.search(r"accounts +\[#+\] ([1-9]\d*)/\1 rows", err)
    assert err.splitlines()[-1].startswith("insideout: error: ") and "truncated" in err.splitlines()[-1]
    assert asyncio.run(account_count(load_settings().storage.database)) == 0

    code, _, err = run(capsys, "import", "--quiet", str(truncated_gzip))
    assert code == 2
    assert err == f"insideout: error: {truncated_gzip} is not a usable Insideout export: truncated or corrupt\n"
    assert asyncio.run(account_count(load_settings().storage.database)) == 0

    # Nothing was left behind: the whole file still goes in.
    code, _, err = run(capsys, "import", str(exported))
    assert code == 0, err
    assert asyncio.run(account_count(load_settings().storage.database)) >= 2


@pytest.mark.parametrize(("content", "message"), [
    (None, "Cannot read"),
    (b"not gzip at all", "not a gzip file"),
    (gzip.compress(b"hello\n"), "not an Insideout export"),
    (gzip.compress(b'{"format": "something-else"}\n'), "not an Insideout export"),
    (gzip.compress(b'{"format": "insideout-export", "format_version": 99}\n'), "export format 99"),
    (gzip.compress(b'{"format": "insideout-export", "format_version": 1, "tables": 3}\n'), "malformed header"),
])
def test_import_refuses_files_that_are_not_exports(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "bad.jsonl.gz"
    if content is not None:
        path.write_bytes(content)

    code, out, err = run(capsys, "import", str(path))

    assert code == 2 and out == "" and err.startswith("insideout: error: ") and message in err
    assert err.count("\n") == 1


def test_export_refuses_an_existing_file_and_leaves_it_alone(
    exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(monkeypatch, tmp_path, str(tmp_path / SOURCE))
    before = exported.read_bytes()

    code, _, err = run(capsys, "export", str(exported))

    assert code == 2 and "exists" in err and exported.read_bytes() == before
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []
    assert exported.stat().st_mode & 0o077 == 0


async def two_posts() -> tuple[int, int]:
    storage = open_storage(load_settings().storage.database)
    await storage.open()
    try:
        alice = await storage.accounts.get_local("alice")
        assert alice is not None
        posts = [await storage.statuses.create(NewStatus(account_id=alice.id, visibility=Visibility.PUBLIC,
                                                         text=text, content=f"<p>{text}</p>"))
                 for text in ("fetched first", "fetched later")]
        return posts[0].id, posts[1].id
    finally:
        await storage.close()


def test_a_reply_stored_before_the_post_it_answers_keeps_its_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows go in by id; a reference to a later row of the same table is set once that row is in."""
    source = str(tmp_path / SOURCE)
    use(monkeypatch, tmp_path, source)
    assert run(capsys, "account", "create", "alice", "--email", "a@example.com", "--password", PASSWORD)[0] == 0
    reply, parent = asyncio.run(two_posts())
    with sqlite3.connect(source) as db:
        db.execute("UPDATE statuses SET in_reply_to_id = ? WHERE id = ?", (parent, reply))
    db.close()
    path = tmp_path / "forward.jsonl.gz"
    assert run(capsys, "export", "--quiet", str(path))[0] == 0

    target = fresh_database(tmp_path, "target")
    use(monkeypatch, tmp_path, target)
    code, _, err = run(capsys, "import", "--quiet", str(path))

    assert code == 0, err
    assert asyncio.run(scalar(target, "SELECT in_reply_to_id FROM statuses WHERE id = ?", reply)) == parent


def test_the_progress_bar_redraws_at_most_ten_times_a_second() -> None:
    now = [0.0]
    stream = io.StringIO()
    bar = ProgressBar(stream, clock=lambda: now[0])
    with bar:
        for done in range(0, 1001, 10):
            bar.update("statuses", done, 1000)
            now[0] += 0.001
        bar.update("tags", 0, 0)
        bar.update("tags", 0, 0)

    lines = stream.getvalue().split("\n")
    assert lines[0].count("\r") == 2 and lines[0].endswith("] 1000/1000 rows (100%)")
    assert lines[1] == "\rtags                         [##############################] 0/0 rows (100%)"
    assert lines[2:] == [""]


# --- the snapshot -----------------------------------------------------------------------------------------


def write_behind(database: str, key: str) -> None:
    """A write by another process, as the live server would make one."""
    sql = "INSERT INTO instance_meta (key, value) VALUES (%s, 'later')"
    if on_postgresql():
        import psycopg

        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute(sql, (key,))
    else:
        with sqlite3.connect(database) as connection:
            connection.execute(sql.replace("%s", "?"), (key,))
        connection.close()


@pytest.mark.anyio
async def test_the_export_is_one_snapshot_while_others_write(tmp_path: Path) -> None:
    database = fresh_database(tmp_path, "live.sqlite3")
    storage = open_storage(database)
    await storage.open()
    try:
        await storage.migrate()
        await storage.database.execute(  # type: ignore[attr-defined]
            "INSERT INTO instance_meta (key, value) VALUES ('before', 'x')")
        written: list[str] = []

        def progress(table: str, done: int, total: int) -> None:
            if not written:
                write_behind(database, "during")
                written.append(table)

        await export_database(storage, tmp_path / "snapshot.jsonl.gz", progress)
        row = await storage.database.fetch_one("SELECT count(*) FROM instance_meta")  # type: ignore[attr-defined]
    finally:
        await storage.close()

    assert written and row is not None and row[0] == 2
    assert rows_of(tmp_path / "snapshot.jsonl.gz")["instance_meta"] == ['["before","x"]']
