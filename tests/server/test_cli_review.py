"""``insideout status queue|approve|decline`` and ``insideout audit``, driven as an admin would."""

from __future__ import annotations

import asyncio
import getpass
from datetime import timedelta
from pathlib import Path

import pytest

from server.bootstrap import prepare_instance
from server.cli import main
from server.config import load_settings
from storage import open_storage
from storage.clock import utcnow


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[storage]\ndata_dir = "data"\ndatabase = "data/insideout.sqlite3"\n')
    monkeypatch.setenv("INSIDEOUT_CONFIG", str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def _post(text: str) -> tuple[int, int]:
    """Alice posts through the real service; returns the status id and its queue item id."""
    from server.events import InProcessEventBus
    from server.passwords import Passwords
    from server.services.container import build_services
    from server.services.statuses import StatusDraft

    settings = load_settings()
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await prepare_instance(settings, storage)
        services = build_services(storage, settings, InProcessEventBus(), Passwords())
        author = await storage.accounts.get_local("alice")
        assert author is not None
        status = await services.statuses.create(author, StatusDraft(text=text))
        item = await storage.review.open_for(status.id)
        assert item is not None
        return status.id, item.id
    finally:
        await storage.close()


def test_queue_approve_decline_and_audit(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "account", "create", "alice", "--email", "a@example.com", "--password", "long enough pw")
    code, out, _ = run(capsys, "status", "queue")
    assert code == 0 and "empty" in out
    shared, shared_item = asyncio.run(_post("Launch #outside"))
    held, held_item = asyncio.run(_post("Draft #outside"))
    later, later_item = asyncio.run(_post("Embargo #outside"))

    code, out, _ = run(capsys, "status", "queue")
    assert code == 0 and str(shared_item) in out and str(held_item) in out and "alice" in out

    code, out, _ = run(capsys, "status", "approve", str(shared_item), "--reason", "launch")
    assert code == 0 and f"/users/alice/statuses/{shared}" in out
    code, _, err = run(capsys, "status", "approve", str(shared_item))
    assert code == 2 and "already decided" in err

    code, _, err = run(capsys, "status", "decline", str(held_item), "--reason", " ")
    assert code == 2 and "reason" in err
    code, out, _ = run(capsys, "status", "decline", str(held_item), "--reason", "not yet")
    assert code == 0 and "Declined" in out

    at = (utcnow() + timedelta(days=1)).isoformat()
    code, out, _ = run(capsys, "status", "approve", str(later_item), "--at", at, "--announcer", "company")
    assert code == 0 and "will be published at" in out

    me = f"cli:{getpass.getuser()}"
    code, out, _ = run(capsys, "audit", "--actor", me)
    assert code == 0
    for action in ("approve", "publish", "decline", "schedule"):
        assert action in out
    assert "not yet" in out and "launch" in out
    code, out, _ = run(capsys, "audit", "--status", str(held), "--limit", "5")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and "decline" in lines[1] and "nominate" in lines[2]
    code, out, _ = run(capsys, "audit", "--since", "2999-01-01")
    assert code == 0 and "No audit entries" in out
    code, _, err = run(capsys, "audit", "--status", "nope")
    assert code == 2 and "not a status id" in err
    assert later
