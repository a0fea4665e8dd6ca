"""``insideout scim token create|list|revoke``, driven as an admin would."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from server.config import load_settings
from server.services.scim_tokens import ScimTokens, token_digest
from storage import open_storage
from tests.server.test_cli import config, run  # noqa: F401 - the fixture, and the runner

__all__ = ["config"]


async def authenticated(secret: str) -> str | None:
    storage = open_storage(load_settings().storage.database)
    await storage.open()
    try:
        caller = await ScimTokens(storage).authenticate(secret)
        actions = await storage.admin.actions(target_type="scim_token", limit=10)
        assert all(action.actor.startswith("cli:") for action in actions)
        return caller.name if caller else None
    finally:
        await storage.close()


def test_a_token_is_printed_once_listed_by_name_and_revoked(config: Path,  # noqa: F811
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scim", "token", "create", "entra")
    assert code == 0
    secret = next(line for line in out.splitlines() if line.startswith("scim_"))
    assert "/scim/v2" in out
    assert asyncio.run(authenticated(secret)) == "entra"

    code, out, _ = run(capsys, "scim", "token", "list")
    assert code == 0
    assert "entra" in out
    assert secret not in out
    assert token_digest(secret) not in out

    assert run(capsys, "scim", "token", "revoke", "entra")[0] == 0
    assert asyncio.run(authenticated(secret)) is None
    code, _, err = run(capsys, "scim", "token", "revoke", "entra")
    assert code == 2
    assert "No live SCIM token" in err


def test_a_name_is_never_reused_and_must_be_plain(config: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert run(capsys, "scim", "token", "create", "okta")[0] == 0
    code, _, err = run(capsys, "scim", "token", "create", "okta")
    assert code == 2
    assert "exists already" in err
    code, _, err = run(capsys, "scim", "token", "create", "bad name; --")
    assert code == 2
    assert "token name" in err


def test_each_scim_command_has_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["scim", "token", "create"], ["scim", "token", "list"], ["scim", "token", "revoke"]):
        with pytest.raises(SystemExit) as done:
            from server.cli import main

            main([*argv, "--help"])
        assert done.value.code == 0
        assert argv[-1] in capsys.readouterr().out
