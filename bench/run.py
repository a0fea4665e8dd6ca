"""Run every benchmark, each in its own process, and print one table of their figures.

Each benchmark prints its human report and, last, ``BENCH {json}`` lines
(``bench/common.py``); this collects those into: figure | value | goal | backend.

    bench/run                          # every benchmark on SQLite
    bench/run --quick                  # small sizes: a smoke run
    bench/run --backend both --only streaming,idle_rss
    bench/run --backend postgresql     # starts scripts/pg-cluster; one fresh database per benchmark

On PostgreSQL each benchmark gets ``--database postgresql://.../bench_<name>``,
created empty before it runs and dropped after, with the ``bench_<name>_*``
databases it derived for its runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import create_database, drop_databases_under, parse_bench_lines  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True, slots=True)
class Benchmark:
    name: str
    quick: tuple[str, ...] = ()
    """Arguments for ``--quick``: sizes small enough for a smoke run."""
    full: tuple[str, ...] = field(default=())
    script_name: str = ""
    """The script, when several entries run one script with different arguments."""

    @property
    def script(self) -> Path:
        return ROOT / "bench" / f"{self.script_name or self.name}.py"


BENCHMARKS = (
    # Over real HTTP under wrk, one `insideout serve` on the Takahē comparison's dataset (issue 16).
    Benchmark("http_throughput", quick=("--seconds", "3", "--statuses", "2000")),
    Benchmark("home_timeline", quick=("--accounts", "300", "--statuses", "5000", "--follows", "20", "--requests", "100")),
    Benchmark("all_hands", quick=("--followers", "300", "--statuses", "2000", "--runs", "2")),
    Benchmark("deliveries", quick=("--count", "500", "--hosts", "20", "--runs", "1")),
    # The same queue drained by two delivery processes, as two `insideout worker --queues delivery` would.
    Benchmark("deliveries_2_workers", quick=("--count", "500", "--hosts", "20", "--runs", "1", "--workers", "2"),
              full=("--workers", "2"), script_name="deliveries"),
    Benchmark("inbound", quick=("--count", "300", "--runs", "1")),
    Benchmark("streaming", quick=("--clients", "100", "--posts", "2")),
    Benchmark("idle_rss", quick=("--idle", "1")),
    Benchmark("scaleout", quick=("--seconds", "3", "--deliveries", "300", "--posters", "16", "--followers", "10")),
    Benchmark("scim_provisioning", quick=("--users", "300", "--departments", "5")),
    Benchmark("sso_sign_in", quick=("--runs", "10")),
    # The staff web app: /home against the API on home_timeline's dataset, its weight, its live updates.
    Benchmark("web_home", quick=("--accounts", "300", "--statuses", "5000", "--follows", "20", "--requests", "100")),
    Benchmark("web_page_weight"),
    Benchmark("web_live_latency", quick=("--posts", "20")),
    # Reach: the home timeline with recording on against off; the bytes a million post views take.
    Benchmark("reach_overhead", quick=("--accounts", "300", "--statuses", "5000", "--follows", "20", "--requests", "100")),
    Benchmark("reach_storage", quick=("--views", "50000", "--posts", "200")),
    # Important posts: the status notification to all staff in bulk, and the pin on the home timeline's first page.
    Benchmark("important_posts", quick=("--accounts", "300", "--statuses", "2000")),
    Benchmark("home_pinned", quick=("--accounts", "300", "--statuses", "5000", "--follows", "20", "--requests", "100")),
    # Email: the weekly digest for all staff, and the mail queue's rate to a loopback SMTP server.
    Benchmark("email_digest", quick=("--staff", "300", "--posts", "300")),
    Benchmark("email_send", quick=("--mails", "200")),
    # Media stores: an upload until it can be seen, on the local store and an S3 bucket (moto, loopback);
    # `insideout media migrate --to s3` in objects per second.
    Benchmark("media_upload", quick=("--rounds", "10")),
    Benchmark("media_migrate", quick=("--objects", "300")),
    # The media deletion queue drained by its worker, on each store, against deleting straight from the store.
    Benchmark("media_deletions", quick=("--objects", "400")),
)


@dataclass(frozen=True, slots=True)
class Row:
    figure: str
    value: str
    goal: str
    backend: str


def start_postgresql() -> str:
    """The admin URL ``scripts/pg-cluster start`` prints (it starts the cluster if needed)."""
    started = subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "start"], cwd=ROOT, check=True,
                             stdout=subprocess.PIPE, text=True)
    urls = [line.strip() for line in started.stdout.splitlines() if line.strip().startswith("postgresql://")]
    if not urls:
        raise SystemExit(f"scripts/pg-cluster start printed no URL: {started.stdout!r}")
    return urls[-1]


def run_one(benchmark: Benchmark, backend: str, admin_url: str | None, quick: bool, timeout: float) -> list[Row]:
    arguments = list(benchmark.quick if quick else benchmark.full)
    database_name = f"bench_{benchmark.name}"
    if backend == "postgresql":
        assert admin_url is not None
        arguments += ["--database", create_database(admin_url, database_name)]
    command = [sys.executable, str(benchmark.script), *arguments]
    print(f"\n=== {benchmark.name} on {backend}: {' '.join(command[1:])}", flush=True)
    started = time.monotonic()
    output: list[str] = []
    try:
        with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1) as process:
            assert process.stdout is not None
            for line in process.stdout:  # echoed as it comes: a long benchmark shows its progress
                print(line, end="", flush=True)
                output.append(line)
            try:
                code = process.wait(max(1.0, timeout - (time.monotonic() - started)))
            except subprocess.TimeoutExpired:
                process.kill()
                code = -9
    finally:
        if backend == "postgresql" and admin_url is not None:
            drop_databases_under(admin_url, database_name)
    records = parse_bench_lines("".join(output))
    rows = [Row(str(r["figure"]), _value(r), str(r.get("goal") or ""), str(r.get("backend") or backend))
            for r in records]
    if code != 0 or not rows:
        rows.append(Row(f"{benchmark.name}: FAILED", f"exit {code}", "", backend))
    print(f"=== {benchmark.name} on {backend}: {time.monotonic() - started:.0f} s", flush=True)
    return rows


def _value(record: dict[str, object]) -> str:
    value = record.get("value")
    unit = str(record.get("unit") or "")
    if isinstance(value, (int, float)):
        shown = f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
    else:
        shown = str(value)
    return f"{shown} {unit}".strip()


def table(rows: list[Row]) -> str:
    header = Row("figure", "value", "goal", "backend")
    widths = [max(len(getattr(r, column)) for r in [header, *rows]) for column in ("figure", "value", "goal", "backend")]

    def line(row: Row) -> str:
        cells = (row.figure.ljust(widths[0]), row.value.rjust(widths[1]), row.goal.ljust(widths[2]),
                 row.backend.ljust(widths[3]))
        return " | ".join(cells).rstrip()

    rule = "-+-".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def chosen(only: list[str]) -> list[Benchmark]:
    if not only:
        return list(BENCHMARKS)
    names = [name.strip() for part in only for name in part.split(",") if name.strip()]
    known = {b.name: b for b in BENCHMARKS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown benchmark {unknown[0]!r}; known: {', '.join(known)}")
    return [known[name] for name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help=f"run only these (repeat or comma-separate): {', '.join(b.name for b in BENCHMARKS)}")
    parser.add_argument("--pg-url", help="a PostgreSQL admin URL to use instead of starting scripts/pg-cluster")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per benchmark")
    args = parser.parse_args()
    benchmarks = chosen(args.only)
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    admin_url = (args.pg_url or start_postgresql()) if "postgresql" in backends else None
    rows: list[Row] = []
    for backend in backends:
        for benchmark in benchmarks:
            rows.extend(run_one(benchmark, backend, admin_url, args.quick, args.timeout))
    print()
    print(table(rows))
    if any(row.figure.endswith(": FAILED") for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
