"""docs/insideout-serve@.service and docs/insideout-worker@.service: they run the right commands, safely."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from server.background import QUEUES
from server.cli import build_parser
from server.cli.worker import parse_queues

DOCS = Path(__file__).resolve().parents[2] / "docs"
SERVE = DOCS / "insideout-serve@.service"
WORKER = DOCS / "insideout-worker@.service"
Unit = dict[str, dict[str, list[str]]]


def parse_unit(path: Path) -> Unit:
    """Sections → key → every value in order (systemd allows repeated keys such as EnvironmentFile)."""
    unit: Unit = {}
    section: dict[str, list[str]] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = unit.setdefault(line[1:-1], {})
            continue
        assert section is not None and "=" in line and not line.endswith("\\"), f"{path.name}:{number}: {raw!r}"
        key, value = line.split("=", 1)
        section.setdefault(key.strip(), []).append(value.strip())
    return unit


def one(unit: Unit, section: str, key: str) -> str:
    values = unit[section].get(key, [])
    assert len(values) == 1, f"expected one {key}= in [{section}], found {values}"
    return values[0]


def exec_start(unit: Unit) -> list[str]:
    argv = shlex.split(one(unit, "Service", "ExecStart"))
    assert Path(argv[0]).is_absolute() and Path(argv[0]).name == "insideout", argv[0]
    return argv[1:]


def environment(unit: Unit) -> dict[str, str]:
    pairs = [pair for line in unit["Service"].get("Environment", []) for pair in shlex.split(line)]
    return dict(pair.split("=", 1) for pair in pairs)


@pytest.mark.parametrize("path", [SERVE, WORKER], ids=lambda p: p.name)
def test_unit_runs_as_a_service_user_with_restart_and_hardening(path: Path) -> None:
    unit = parse_unit(path)
    assert {"Unit", "Service", "Install"} <= set(unit)
    service = unit["Service"]
    assert one(unit, "Service", "User") == "insideout"
    assert one(unit, "Service", "Restart") == "on-failure"
    assert "2" in one(unit, "Service", "RestartPreventExitStatus").split(), "a config error is not retried"
    assert one(unit, "Service", "NoNewPrivileges") == "yes"
    assert one(unit, "Service", "ProtectSystem") == "strict"
    assert one(unit, "Service", "ReadWritePaths").startswith("/")
    assert one(unit, "Service", "CapabilityBoundingSet") == ""
    assert one(unit, "Service", "KillSignal") == "SIGTERM"
    # uvicorn's graceful shutdown (15 s) then the workers' grace (10 s) must fit before SIGKILL.
    assert int(one(unit, "Service", "TimeoutStopSec")) >= 25
    assert any(f.lstrip("-") == "/etc/insideout/insideout.env" for f in service["EnvironmentFile"])
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


def test_serve_unit_runs_http_only_on_the_instance_port() -> None:
    argv = exec_start(parse_unit(SERVE))
    assert argv[:2] == ["serve", "--no-workers"]
    assert argv[argv.index("--port") + 1] == "%i"
    args = build_parser().parse_args([*argv[:-1], "8001"])
    assert args.no_workers and args.port == 8001


def test_worker_unit_runs_its_queues_every_one_by_default() -> None:
    unit = parse_unit(WORKER)
    argv = exec_start(unit)
    assert argv[0] == "worker"
    # ${NAME} (braces) expands to exactly one argument, even if empty.
    assert argv[argv.index("--queues") + 1] == "${WORKER_QUEUES}"
    default = environment(unit)["WORKER_QUEUES"]
    assert parse_queues(default) == list(QUEUES)
    # INSIDEOUT_* variables are settings, and an unknown one stops start-up.
    assert not "WORKER_QUEUES".startswith("INSIDEOUT_")
    files = unit["Service"]["EnvironmentFile"]
    assert "-/etc/insideout/worker-%i.env" in files, "per-instance queues, optional"
    assert files.index("-/etc/insideout/worker-%i.env") > files.index("/etc/insideout/insideout.env")


@pytest.mark.parametrize(("path", "instance"), [(SERVE, "8001"), (WORKER, "delivery")], ids=lambda v: str(v))
def test_systemd_accepts_the_unit(path: Path, instance: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # Only the executable is swapped, since the deployment path does not exist here.
    text = path.read_text(encoding="utf-8").replace("/opt/insideout/.venv/bin/insideout", "/bin/true")
    instance_unit = tmp_path / path.name.replace("@.", f"@{instance}.")
    instance_unit.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(instance_unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr
