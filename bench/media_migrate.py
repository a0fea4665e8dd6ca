"""Throughput of ``insideout media migrate --to s3`` in objects per second, into a bucket on loopback (moto).

Dataset: N media objects in a local data dir, spread over the three prefixes as an instance holds
them: for each upload an original (about 100 KB) and a small copy (about 10 KB). The figure: the
whole command run in-process (``server.cli.main``), listing both stores, copying 8 at a time,
reading every object back and checking its size and SHA-256, and printing the switch; objects
divided by its wall time. Then the same command again, with everything already copied (a resumed
run: each object compared, none written). Baseline in the same process: the same number of plain
local file copies (``shutil.copyfile``), no store, no check; and, to show where the time goes, the
S3 server's own ceiling: a bare PUT and GET of each object, 8 at a time (moto is single-process
Python, and bounds the figure on loopback).

Goal: >= 100 objects/s (10,000 uploads, 20,000 objects, move in under four minutes).

Run: .venv/bin/python bench/media_migrate.py [--objects N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import add_database_option, backend_of, emit  # noqa: E402
from server.cli import main as insideout  # noqa: E402
from server.config import load_settings  # noqa: E402
from server.media.s3 import S3MediaStore  # noqa: E402
from server.media.store import PREFIXES  # noqa: E402
from tests.s3_server import S3Server, running_s3_server  # noqa: E402

GOAL = 100.0


def write_objects(data_dir: Path, count: int) -> list[Path]:
    """``count`` objects: originals and small copies, in pairs, under the three prefixes."""
    noise = random.Random(1)
    written = []
    for n in range(count):
        prefix = PREFIXES[(n // 2) % len(PREFIXES)]
        name, size = ("original.jpg", 100_000) if n % 2 == 0 else ("small.webp", 10_000)
        path = data_dir / prefix / f"bench{n // 2:08d}xxxxxxxxxxxxxxxxxxxx" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(noise.randbytes(size))
        written.append(path)
    return written


def run_migrate(folder: Path, s3: S3Server) -> tuple[float, str]:
    os.environ.update({**s3.environ("bench-migrate"), "INSIDEOUT_MEDIA_STORAGE": "local",
                       "INSIDEOUT_STORAGE_DATA_DIR": str(folder / "data"),
                       "INSIDEOUT_STORAGE_DATABASE": str(folder / "unused.sqlite3"),
                       "INSIDEOUT_LOGGING_LEVEL": "warning"})
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = insideout(["media", "migrate", "--to", "s3", "--quiet"])
    seconds = time.perf_counter() - started
    assert code == 0, out.getvalue()
    return seconds, out.getvalue()


def server_ceiling(paths: list[Path], s3: S3Server, data_dir: Path) -> float:
    """Seconds for the S3 server to take a PUT and a GET of every object, 8 at a time: no listing, no check."""
    environ = {**s3.environ("bench-ceiling"), "INSIDEOUT_STORAGE_DATA_DIR": str(data_dir)}
    store = S3MediaStore(load_settings(None, environ=environ, create_dirs=False).media)
    bodies = [(path.relative_to(data_dir).as_posix(), path.read_bytes()) for path in paths]

    async def run() -> float:
        gate = asyncio.Semaphore(8)

        async def one(key: str, body: bytes) -> None:
            async with gate:
                await store.put(key, body, "image/jpeg")
                await store.read(key)

        started = time.perf_counter()
        await asyncio.gather(*(one(key, body) for key, body in bodies))
        return time.perf_counter() - started

    return asyncio.run(run())


def plain_copies(paths: list[Path], target: Path) -> float:
    started = time.perf_counter()
    for n, path in enumerate(paths):
        folder = target / f"{n:08d}"
        folder.mkdir(parents=True)
        shutil.copyfile(path, folder / path.name)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    add_database_option(parser)  # accepted for bench/run; the command never opens the database
    args = parser.parse_args()
    backend = backend_of(args.database)
    with tempfile.TemporaryDirectory(prefix="insideout-bench-migrate-") as name, running_s3_server() as s3:
        folder = Path(name)
        paths = write_objects(folder / "data", args.objects)
        total_bytes = sum(path.stat().st_size for path in paths)
        seconds, report = run_migrate(folder, s3)
        assert f"copied {args.objects} objects" in report, report
        assert len(s3.keys("bench-migrate/")) == args.objects
        resumed, again = run_migrate(folder, s3)
        assert f"{args.objects} were already at the destination" in again, again
        ceiling = server_ceiling(paths, s3, folder / "data")
        baseline = plain_copies(paths, folder / "copies")
    rate, resumed_rate, baseline_rate = args.objects / seconds, args.objects / resumed, args.objects / baseline
    ceiling_rate = args.objects / ceiling
    print(f"insideout media migrate --to s3, {args.objects:,} objects ({total_bytes / 1e6:.0f} MB) into a bucket on"
          " loopback (moto), 8 at a time, every object verified:")
    print(f"  {rate:,.0f} objects/s ({total_bytes / 1e6 / seconds:.1f} MB/s), {seconds:.1f} s (goal >= {GOAL:.0f}/s)")
    print(f"  resumed with everything in place (compared, none written): {resumed_rate:,.0f} objects/s")
    print(f"  baseline, plain local file copies: {baseline_rate:,.0f} objects/s; migrate / plain ="
          f" {rate / baseline_rate:.3f}x")
    print(f"  the S3 server's own ceiling (a PUT and a GET per object, 8 at a time, nothing else):"
          f" {ceiling_rate:,.0f} objects/s; migrate / ceiling = {rate / ceiling_rate:.2f}x")
    print(f"  command: .venv/bin/python bench/media_migrate.py --objects {args.objects}")
    emit("media migrate to s3", rate, "objects/s", f">= {GOAL:.0f}/s", backend)
    emit("media migrate resumed (all in place)", resumed_rate, "objects/s", "", backend)
    emit("media migrate / plain file copies", rate / baseline_rate, "x", "", backend)
    emit("media migrate / S3 server ceiling", rate / ceiling_rate, "x", "", backend)


if __name__ == "__main__":
    main()
