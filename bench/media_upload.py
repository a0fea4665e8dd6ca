"""Upload-to-visible time for an image on each media store: the local directory and an S3 bucket (moto, loopback).

Dataset: one employee per store, and one real JPEG (1280x960, gradients and shapes). Each round
POSTs it to ``/api/v2/media`` through the in-process app (decode, re-encode, thumbnail, blurhash,
both objects written to the store), then GETs the attachment's URL until it answers 200 with
the bytes: the time a client waits before it can show its own upload. The bucket is on an S3
server this benchmark starts itself (moto in server mode on a loopback port, as the suite's).
Baseline in the same process, round by round: the same upload on the local store.

Goal: upload-to-visible p50 <= 100 ms on the local store and <= 250 ms on the bucket, on loopback.

Run: .venv/bin/python bench/media_upload.py [--rounds N] [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from bench.common import add_database_option, backend_of, emit, fresh_database  # noqa: E402
from bench.home_timeline import percentile  # noqa: E402
from tests.s3_server import S3Server, running_s3_server  # noqa: E402
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token  # noqa: E402

GOAL_LOCAL_MS = 100.0
GOAL_S3_MS = 250.0


def photo() -> bytes:
    """A photo-like JPEG: gradients and shapes, so the encoder has real work."""
    size = (1280, 960)
    image = Image.merge("RGB", (Image.linear_gradient("L").resize(size),
                                Image.linear_gradient("L").rotate(90).resize(size),
                                Image.radial_gradient("L").resize(size)))
    draw = ImageDraw.Draw(image)
    for n in range(40):
        draw.ellipse((n * 30, n * 20, n * 30 + 200, n * 20 + 150), outline=(255 - n * 5, n * 6, 120), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class Uploader:
    def __init__(self, client: httpx.AsyncClient, token: str, jpeg: bytes) -> None:
        self._client = client
        self._token = token
        self._jpeg = jpeg

    async def upload_to_visible(self) -> float:
        started = time.perf_counter()
        answer = await self._client.post("/api/v2/media", headers=bearer(self._token),
                                         files={"file": ("photo.jpg", self._jpeg, "image/jpeg")})
        assert answer.status_code in (200, 202), answer.text[:300]
        path = urlsplit(answer.json()["url"] or "").path
        while True:
            shown = await self._client.get(path)
            if shown.status_code == 200 and shown.content:
                return (time.perf_counter() - started) * 1000
            assert shown.status_code in (202, 404, 503), shown.text[:300]
            await asyncio.sleep(0.005)


async def measure(
    folder: Path, database: str | None, s3: S3Server, jpeg: bytes, rounds: int
) -> tuple[list[float], list[float]]:
    local_settings = settings_for(folder / "local", INSIDEOUT_MEDIA_STORAGE="local",
                                  INSIDEOUT_STORAGE_DATABASE=fresh_database(database, folder, "media_local"))
    s3_settings = settings_for(folder / "s3", **s3.environ("bench"),
                               INSIDEOUT_STORAGE_DATABASE=fresh_database(database, folder, "media_s3"))
    local_app, s3_app = app_for(local_settings), app_for(s3_settings)
    local_ms: list[float] = []
    s3_ms: list[float] = []
    async with serving(local_app) as local_client, serving(s3_app) as s3_client:
        local = Uploader(local_client, await staff_token(local_app, "uploader"), jpeg)
        bucket = Uploader(s3_client, await staff_token(s3_app, "uploader"), jpeg)
        for _ in range(3):  # warm: imports, templates, the S3 client's connection pool
            await local.upload_to_visible()
            await bucket.upload_to_visible()
        for _ in range(rounds):  # interleaved, so both stores see the same machine
            local_ms.append(await local.upload_to_visible())
            s3_ms.append(await bucket.upload_to_visible())
    assert s3.keys("bench/media/"), "the s3 app stored nothing in the bucket"
    assert any((folder / "local" / "data" / "media").iterdir()), "the local app stored nothing in its data dir"
    return local_ms, s3_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    add_database_option(parser)
    args = parser.parse_args()
    jpeg = photo()
    with tempfile.TemporaryDirectory(prefix="insideout-bench-media-") as folder, running_s3_server() as s3:
        local_ms, s3_ms = asyncio.run(measure(Path(folder), args.database, s3, jpeg, args.rounds))
    local_p50, s3_p50 = statistics.median(local_ms), statistics.median(s3_ms)
    ratio = s3_p50 / local_p50
    print(f"upload-to-visible, a {len(jpeg) // 1000} KB JPEG (1280x960), {args.rounds} rounds per store:")
    print(f"  s3 store (moto on loopback): p50 {s3_p50:.1f} ms, p99 {percentile(s3_ms, 0.99):.1f} ms"
          f" (goal p50 <= {GOAL_S3_MS:.0f} ms)")
    print(f"  baseline, local store: p50 {local_p50:.1f} ms, p99 {percentile(local_ms, 0.99):.1f} ms"
          f" (goal p50 <= {GOAL_LOCAL_MS:.0f} ms)")
    print(f"  s3 / local = {ratio:.2f}x at p50")
    print(f"  command: .venv/bin/python bench/media_upload.py --rounds {args.rounds}"
          + (f" --database {args.database}" if args.database else ""))
    backend = backend_of(args.database)
    emit("media upload-to-visible s3 p50", s3_p50, "ms", f"<= {GOAL_S3_MS:.0f} ms", backend)
    emit("media upload-to-visible local p50", local_p50, "ms", f"<= {GOAL_LOCAL_MS:.0f} ms", backend)
    emit("media upload-to-visible s3 / local p50", ratio, "x", "", backend)


if __name__ == "__main__":
    main()
