"""``insideout media check`` and ``insideout media migrate``, against the local directory and a real S3 server.

Given a store (the data dir, or a bucket of the suite's moto server); when ``check`` runs, then it
writes, reads back, deletes and misses a probe, printing each step, and leaves nothing behind; an
endpoint that refuses, a missing bucket, a key the server refuses or bad settings are named (exit 1, or 2 for settings), and
the secret key appears nowhere. When ``migrate`` runs, then every object under the three prefixes
reaches the other store, verified by size and SHA-256, and only then is the config change printed;
a run after Ctrl-C, an earlier partial copy or a failure copies only what is missing or differs;
the source is never touched; a dry run copies nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.cli import main
from server.config import load_settings
from server.media.s3 import S3MediaStore
from server.media.store import PREFIXES, LocalMediaStore
from tests.backends import fresh_database
from tests.s3_server import SECRET_KEY, S3Server, key_prefix_for, running_s3_server


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    # The command points the root logger at this test's captured stderr.
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: S3Server | None = None, **more: str) -> None:
    monkeypatch.setenv("INSIDEOUT_STORAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INSIDEOUT_STORAGE_DATABASE", fresh_database(tmp_path))
    for name, value in {**(s3.environ(key_prefix_for(tmp_path)) if s3 else {}), **more}.items():
        monkeypatch.setenv(name, value)


def bucket() -> S3MediaStore:
    """The bucket the environment (set by ``environ``) names."""
    return S3MediaStore(load_settings(None, create_dirs=False).media)


def refused_endpoint() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def sample_objects(count: int) -> dict[str, bytes]:
    """``count`` objects spread over the three prefixes, of different sizes."""
    objects = {}
    for n in range(count):
        prefix = PREFIXES[n % len(PREFIXES)]
        objects[f"{prefix}obj{n:05d}xxxxxxxxxxxxxxxxxxxxxxx/original.jpg"] = f"object {n};".encode() * (n + 1)
    return objects


def write_local(data_dir: Path, objects: dict[str, bytes]) -> None:
    for key, body in objects.items():
        (data_dir / key).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / key).write_bytes(body)


def read_all(store: S3MediaStore | LocalMediaStore, keys: list[str]) -> dict[str, bytes | None]:
    async def read() -> dict[str, bytes | None]:
        return {key: await store.read(key) for key in keys}

    return asyncio.run(read())


def put_all(store: S3MediaStore | LocalMediaStore, objects: dict[str, bytes]) -> None:
    async def put() -> None:
        for key, body in objects.items():
            await store.put(key, body, "image/jpeg")

    asyncio.run(put())


# --- check -------------------------------------------------------------------------------------------


def test_check_passes_on_the_local_store_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch)

    code = main(["media", "check"])

    out = capsys.readouterr().out
    assert code == 0
    assert f"Checking the media store: local directory {tmp_path / 'data'}" in out
    assert [line.split(":")[0].split()[0] for line in out.splitlines()[1:5]] == ["write", "read", "delete", "gone"]
    assert out.count(" ok: ") == 4
    assert out.endswith("The media store works.\n")
    assert list((tmp_path / "data" / "probe").iterdir()) == []


def test_check_passes_on_the_bucket_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, s3_server)

    code = main(["media", "check"])

    captured = capsys.readouterr()
    assert code == 0
    assert f"bucket 'insideout-test' at {s3_server.endpoint}" in captured.out
    assert captured.out.count(" ok: ") == 4
    assert s3_server.keys(key_prefix_for(tmp_path)) == []
    assert SECRET_KEY not in captured.out + captured.err


def test_check_names_an_endpoint_that_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, s3_server, INSIDEOUT_MEDIA_S3_ENDPOINT=refused_endpoint())

    code = main(["media", "check"])

    captured = capsys.readouterr()
    assert code == 1
    assert "  write   FAILED: could not write probe/" in captured.out
    assert "the endpoint refused the connection" in captured.out
    assert captured.err.startswith("insideout: error: media check failed at step 'write': ")
    assert "read" not in captured.out.split("FAILED")[1]  # it stopped at the first step
    assert SECRET_KEY not in captured.out + captured.err


def test_check_names_a_missing_bucket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, s3_server, INSIDEOUT_MEDIA_S3_BUCKET="no-such-bucket")

    code = main(["media", "check"])

    captured = capsys.readouterr()
    assert code == 1
    assert "the bucket does not exist (NoSuchBucket)" in captured.err
    assert SECRET_KEY not in captured.out + captured.err


def test_check_names_access_denied_without_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_s3_server(check_credentials=True) as strict:  # it knows no access key at all
        environ(tmp_path, monkeypatch, strict)

        code = main(["media", "check"])

    captured = capsys.readouterr()
    assert code == 1
    assert "media check failed at step 'write'" in captured.err
    assert "access denied (InvalidAccessKeyId): check [media] s3_access_key_id and s3_secret_access_key" in captured.err
    assert SECRET_KEY not in captured.out + captured.err


def test_check_refuses_settings_without_a_bucket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, INSIDEOUT_MEDIA_STORAGE="s3")

    code = main(["media", "check"])

    assert code == 2
    assert "media.s3_bucket" in capsys.readouterr().err


def test_check_says_when_the_data_dir_is_not_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "probe").write_text("a file where the probe's folder goes")

    code = main(["media", "check"])

    captured = capsys.readouterr()
    assert code == 1
    assert "media check failed at step 'write'" in captured.err


# --- migrate -----------------------------------------------------------------------------------------


def test_migrate_to_s3_copies_verifies_and_only_then_prints_the_switch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    # The settings name the bucket but still serve from the local store: the copy goes local -> bucket.
    environ(tmp_path, monkeypatch, s3_server, INSIDEOUT_MEDIA_STORAGE="local")
    objects = sample_objects(30)
    write_local(tmp_path / "data", objects)

    code = main(["media", "migrate", "--to", "s3"])

    captured = capsys.readouterr()
    assert code == 0
    assert read_all(bucket(), list(objects)) == objects
    assert sorted(s3_server.keys(key_prefix_for(tmp_path))) == sorted(
        f"{key_prefix_for(tmp_path)}/{key}" for key in objects)
    assert "copied 30 objects" in captured.out
    assert "0 were already at the destination" in captured.out
    assert "verified 30 (size and SHA-256)" in captured.out
    assert '  [media]\n  storage = "s3"\n' in captured.out
    assert "copying" in captured.err
    assert "30/30 objects (100%)" in captured.err
    assert {key: (tmp_path / "data" / key).read_bytes() for key in objects} == objects  # the source is untouched


def test_a_second_run_copies_only_what_is_missing_or_differs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, s3_server, INSIDEOUT_MEDIA_STORAGE="local")
    objects = sample_objects(30)
    write_local(tmp_path / "data", objects)
    keys = sorted(objects)
    # An earlier run stopped after 12 objects; one of them was left corrupt at the same size, one cut short.
    done_before = {key: objects[key] for key in keys[:12]}
    done_before[keys[0]] = bytes(len(objects[keys[0]]))
    done_before[keys[1]] = objects[keys[1]][:5]
    put_all(bucket(), done_before)

    code = main(["media", "migrate", "--to", "s3"])

    out = capsys.readouterr().out
    assert code == 0
    assert "copied 20 objects" in out  # 18 never copied, plus the corrupt one and the short one
    assert "10 were already at the destination" in out
    assert "verified 30" in out
    assert read_all(bucket(), keys) == objects


def test_a_failed_copy_is_listed_without_the_switch_and_the_next_run_copies_only_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, s3_server)  # serving from the bucket; back to the local directory
    objects = sample_objects(30)
    put_all(bucket(), objects)
    keys = sorted(objects)
    blocked = [keys[3], keys[17], keys[25]]
    for key in blocked:  # a file where each one's folder goes: the destination refuses those three
        (tmp_path / "data" / key).parent.parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "data" / key).parent.write_text("in the way")

    first = main(["media", "migrate", "--to", "local"])

    captured = capsys.readouterr()
    assert first == 1
    assert "copied 27 objects" in captured.out
    assert "storage =" not in captured.out
    assert [line.split(":")[0].strip() for line in captured.err.splitlines() if line.startswith("  ")] == blocked
    assert "3 objects did not verify (listed above); nothing was deleted" in captured.err

    for key in blocked:
        (tmp_path / "data" / key).parent.unlink()
    second = main(["media", "migrate", "--to", "local"])

    out = capsys.readouterr().out
    assert second == 0
    assert "copied 3 objects" in out
    assert "27 were already at the destination" in out
    assert '  storage = "local"' in out
    assert {key: (tmp_path / "data" / key).read_bytes() for key in keys} == objects
    assert read_all(bucket(), keys) == objects  # the source is untouched


def test_a_dry_run_counts_objects_and_bytes_and_copies_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, s3_server, INSIDEOUT_MEDIA_STORAGE="local")
    objects = sample_objects(6)
    write_local(tmp_path / "data", objects)
    first = sorted(objects)[0]
    put_all(bucket(), {first: objects[first]})

    code = main(["media", "migrate", "--to", "s3", "--dry-run"])

    out = capsys.readouterr().out
    total = sum(len(body) for body in objects.values())
    assert code == 0
    assert f"would copy 5 of 6 objects ({total - len(objects[first])} bytes); 1 are at the destination" in out
    assert "  media/         2 objects" in out
    assert "dry run: nothing was copied" in out
    assert s3_server.keys(key_prefix_for(tmp_path)) == [f"{key_prefix_for(tmp_path)}/{first}"]


def test_migrate_into_the_store_in_use_is_refused_unless_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    # Serving from the bucket already: the local directory still holds what was removed since the switch.
    environ(tmp_path, monkeypatch, s3_server)
    removed_since = sample_objects(2)
    write_local(tmp_path / "data", removed_since)

    refused = main(["media", "migrate", "--to", "s3"])

    assert refused == 2
    assert 'storage is already "s3"' in capsys.readouterr().err
    assert s3_server.keys(key_prefix_for(tmp_path)) == []
    assert main(["media", "migrate", "--to", "s3", "--force", "--quiet"]) == 0
    assert len(s3_server.keys(key_prefix_for(tmp_path))) == 2


def test_migrate_needs_a_bucket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    environ(tmp_path, monkeypatch)

    code = main(["media", "migrate", "--to", "s3"])

    assert code == 2
    assert "set [media] s3_bucket" in capsys.readouterr().err


def test_migrate_to_a_bucket_that_cannot_be_reached_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, s3_server, INSIDEOUT_MEDIA_STORAGE="local",
            INSIDEOUT_MEDIA_S3_ENDPOINT=refused_endpoint())
    write_local(tmp_path / "data", sample_objects(3))

    code = main(["media", "migrate", "--to", "s3"])

    captured = capsys.readouterr()
    assert code == 1
    assert "could not list the stores: the endpoint refused the connection" in captured.err
    assert "storage =" not in captured.out
    assert SECRET_KEY not in captured.out + captured.err


def test_a_run_interrupted_with_ctrl_c_resumes_where_it_stopped(tmp_path: Path, s3_server: S3Server) -> None:
    env = {**os.environ, **s3_server.environ(key_prefix_for(tmp_path)), "INSIDEOUT_MEDIA_STORAGE": "local",
           "INSIDEOUT_STORAGE_DATA_DIR": str(tmp_path / "data"), "INSIDEOUT_STORAGE_DATABASE": str(tmp_path / "db")}
    objects = sample_objects(200)
    write_local(tmp_path / "data", objects)
    command = [sys.executable, "-m", "server.cli", "media", "migrate", "--to", "s3", "--concurrency", "2"]

    running = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert running.stderr is not None
    seen = b""
    while not re.search(rb"copying +\[[#-]+\] ([2-9]\d|\d{3})/200", seen):  # at least 20 copied
        chunk = os.read(running.stderr.fileno(), 4096)
        assert chunk, seen.decode()
        seen += chunk
    running.send_signal(signal.SIGINT)
    interrupted_out, _ = running.communicate(timeout=60)
    copied_before = len(s3_server.keys(key_prefix_for(tmp_path)))

    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    assert running.returncode == 130
    assert b"storage =" not in interrupted_out
    assert 20 <= copied_before < 200
    assert resumed.returncode == 0, resumed.stderr
    assert f"copied {200 - copied_before} objects" in resumed.stdout
    assert f"{copied_before} were already at the destination" in resumed.stdout
    assert "verified 200" in resumed.stdout
    assert read_all(bucket_for(tmp_path, s3_server), list(objects)) == objects


def bucket_for(tmp_path: Path, s3: S3Server) -> S3MediaStore:
    environ = {**s3.environ(key_prefix_for(tmp_path)), "INSIDEOUT_STORAGE_DATA_DIR": str(tmp_path / "data")}
    return S3MediaStore(load_settings(None, environ=environ, create_dirs=False).media)
