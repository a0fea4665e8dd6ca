"""``insideout announcement create|list|end``, driven as an admin would."""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path

import pytest

from server.cli import main
from server.config import load_settings
from storage import open_storage


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


async def _admin_actions() -> list[tuple[str, str, str]]:
    storage = open_storage(load_settings().storage.database)
    await storage.open()
    try:
        found = await storage.admin.actions(target_type="announcement", limit=10)
    finally:
        await storage.close()
    return [(a.action, a.actor, a.target_id) for a in found]


def test_create_list_end_and_audit(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "department", "create", "sales", "--name", "Sales")
    code, out, _ = run(capsys, "announcement", "create", "--text", "Quota met, thank you!",
                       "--starts-at", "2020-01-01T09:00:00Z", "--department", "sales")
    assert code == 0
    announcement_id = out.split()[-1]

    code, listed, _ = run(capsys, "announcement", "list")
    assert code == 0
    header, row = listed.splitlines()[:2]
    assert header.split()[:7] == ["ID", "STATE", "STARTS", "ENDS", "AUDIENCE", "REACTIONS", "DISMISSED"]
    assert row.split()[:2] == [announcement_id, "active"]
    assert "2020-01-01 09:00" in row
    assert " sales " in row

    code, out, _ = run(capsys, "announcement", "end", announcement_id)
    assert code == 0
    assert f"Ended announcement {announcement_id}" in out
    assert run(capsys, "announcement", "list")[1].splitlines()[1].split()[1] == "ended"
    actions = asyncio.run(_admin_actions())
    assert actions == [("end_announcement", f"cli:{getpass.getuser()}", announcement_id),
                       ("create_announcement", f"cli:{getpass.getuser()}", announcement_id)]


def test_bad_input_is_one_clear_line_and_nothing_is_written(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refusals = [
        (("--text", "  "), "Write the announcement's text."),
        (("--text", "Hi", "--department", "nowhere"), "There is no department 'nowhere'."),
        (("--text", "Hi", "--starts-at", "2030-01-02", "--ends-at", "2030-01-01"), "The end must come after"),
        (("--text", "Hi", "--ends-at", "soon"), "--ends-at is not a valid ISO 8601"),
    ]
    for arguments, message in refusals:
        code, _, err = run(capsys, "announcement", "create", *arguments)
        assert code == 2
        assert message in err
    code, listed, _ = run(capsys, "announcement", "list")
    assert listed.splitlines()[1:] == []
    assert run(capsys, "announcement", "end", "12345")[0] == 2
