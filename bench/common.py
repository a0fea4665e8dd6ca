"""What every benchmark shares: the ``--database`` option, fresh databases, and the machine-readable line.

``--database`` takes a SQLite path or a PostgreSQL URL; ``open_storage``
picks the backend from it. A benchmark that needs several empty databases
(one per run) derives them from the one it was given: on PostgreSQL a new
database on the same server, on SQLite a new file in a temporary folder.

Each benchmark ends with one line per figure, read by ``bench/run``::

    BENCH {"figure": "...", "value": 1.0, "unit": "ms", "goal": "<= 10 ms", "backend": "sqlite"}
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")
BENCH_PREFIX = "BENCH "
_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", default=None,
                        help="a PostgreSQL URL or a SQLite path (default: a SQLite file of the benchmark's own)")


def is_postgresql(database: str | None) -> bool:
    return database is not None and database.startswith(POSTGRESQL_SCHEMES)


def backend_of(database: str | None) -> str:
    return "postgresql" if is_postgresql(database) else "sqlite"


def with_database_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(admin_url: str, name: str) -> str:
    """A new, empty PostgreSQL database ``name`` (dropped first if left over); returns its URL."""
    import psycopg  # only PostgreSQL runs need it

    if not _DATABASE_NAME.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        # FORCE ends sessions a crashed earlier run left open (PostgreSQL 13+).
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return with_database_name(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    if not _DATABASE_NAME.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def drop_databases_under(admin_url: str, name: str) -> None:
    """Drop ``name`` and the per-run databases a benchmark derived from it (``<name>_<label>``)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        rows = connection.execute("SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
                                  (name, name.replace("_", "\\_") + "\\_%")).fetchall()
    for (found,) in rows:
        drop_database(admin_url, found)


def fresh_database(database: str | None, folder: Path, label: str) -> str:
    """An empty database for one run, a sibling of ``database`` named after ``label``: on PostgreSQL a
    new database on the same server, on SQLite a file beside the given path (or in ``folder``)."""
    if database is not None and is_postgresql(database):
        base = urlsplit(database).path.lstrip("/") or "bench"
        return create_database(database, f"{base}_{label}"[:63])
    if database is None:
        path = folder / f"{label}.sqlite3"
    else:
        given = Path(database.removeprefix("sqlite://"))
        path = given.with_name(f"{given.stem}_{label}{given.suffix or '.sqlite3'}")
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    return str(path)


def emit(figure: str, value: float, unit: str, goal: str, backend: str) -> None:
    """The one line ``bench/run`` reads; the human report stays above it."""
    record = {"figure": figure, "value": round(value, 3), "unit": unit, "goal": goal, "backend": backend}
    print(BENCH_PREFIX + json.dumps(record), flush=True)


def parse_bench_lines(output: str) -> list[dict[str, object]]:
    found = []
    for line in output.splitlines():
        if line.startswith(BENCH_PREFIX):
            record = json.loads(line[len(BENCH_PREFIX):])
            if isinstance(record, dict):
                found.append(record)
    return found
