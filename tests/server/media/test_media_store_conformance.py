"""One conformance suite for every media store: the local directory and a bucket of a real S3 server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from activitypub.errors import MediaStoreUnavailable
from server.config import MediaSettings
from server.media.s3 import S3MediaStore, bucket_endpoint
from server.media.store import PREFIXES, LocalMediaStore, MediaStore, digest
from tests.s3_server import ACCESS_KEY, SECRET_KEY, S3Server, key_prefix_for

pytestmark = pytest.mark.anyio

TOKEN = "A" * 32
KEY = f"media/{TOKEN}/original.jpg"


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "local":
        return LocalMediaStore(tmp_path / "data")
    server: S3Server = request.getfixturevalue("s3_server")
    return S3MediaStore(_s3_settings(server, key_prefix_for(tmp_path)))


def _s3_settings(server: S3Server, prefix: str, **changes: object) -> MediaSettings:
    values: dict[str, object] = dict(
        storage="s3", s3_endpoint=server.endpoint, s3_bucket=server.bucket, s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET_KEY, s3_prefix=prefix, s3_path_style=True,
    )
    values.update(changes)
    return MediaSettings.model_validate(values)


async def test_a_stored_object_reads_back_whole(store: MediaStore) -> None:
    data = bytes(range(256)) * 1000
    await store.put(KEY, data, "image/jpeg")
    assert await store.read(KEY) == data
    assert await store.size(KEY) == len(data)
    opened = await store.open(KEY)
    assert opened is not None and opened.size == len(data)
    body = opened.body if opened.body is not None else opened.path.read_bytes()  # type: ignore[union-attr]
    assert digest(body) == digest(data)


async def test_a_put_replaces_the_object(store: MediaStore) -> None:
    await store.put(KEY, b"first version", "image/jpeg")
    await store.put(KEY, b"second", "image/jpeg")
    assert await store.read(KEY) == b"second"


async def test_an_absent_object_is_none_not_an_error(store: MediaStore) -> None:
    assert await store.read(KEY) is None
    assert await store.open(KEY) is None
    assert await store.size(KEY) is None


async def test_delete_removes_and_tolerates_absent_objects(store: MediaStore) -> None:
    small = f"media/{TOKEN}/small.jpg"
    await store.put(KEY, b"1", "image/jpeg")
    await store.put(small, b"2", "image/jpeg")
    await store.delete([KEY, small, f"media/{'B' * 32}/original.png"])
    assert await store.read(KEY) is None and await store.read(small) is None
    await store.delete([KEY])  # again: already gone is fine
    await store.delete([])


async def test_keys_lists_each_prefix_with_sizes(store: MediaStore) -> None:
    await store.put(KEY, b"12345", "image/jpeg")
    await store.put(f"accounts/{'0' * 32}/avatar.png", b"123", "image/png")
    await store.put(f"cache/remote/{TOKEN}/small.webp", b"1", "image/webp")
    listed = {prefix: {(info.key, info.size) async for info in store.keys(prefix)} for prefix in PREFIXES}
    assert listed == {
        "media/": {(KEY, 5)},
        "accounts/": {(f"accounts/{'0' * 32}/avatar.png", 3)},
        "cache/remote/": {(f"cache/remote/{TOKEN}/small.webp", 1)},
    }


@pytest.mark.parametrize("key", ["../etc/passwd", "media/../../x.jpg", f"media/{TOKEN}/../original.jpg",
                                 "media/short/original.jpg", "other/" + TOKEN + "/original.jpg", ""])
async def test_a_key_that_is_not_a_media_key_is_refused(store: MediaStore, key: str) -> None:
    with pytest.raises(ValueError):
        await store.put(key, b"x", "image/jpeg")
    with pytest.raises(ValueError):
        await store.read(key)


async def test_nothing_half_written_is_left_on_disk(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path)
    await store.put(KEY, b"data", "image/jpeg")
    assert sorted(p.name for p in (tmp_path / "media" / TOKEN).iterdir()) == ["original.jpg"]


async def test_a_local_store_that_cannot_write_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "media").write_text("a file where the folder should be")
    with pytest.raises(MediaStoreUnavailable) as raised:
        await LocalMediaStore(tmp_path).put(KEY, b"data", "image/jpeg")
    assert raised.value.status_code == 503


async def test_a_bucket_that_does_not_exist_is_unavailable_not_an_empty_store(s3_server: S3Server) -> None:
    # obstore says "not found" for a missing bucket too: reads must not pass it off as a missing object.
    store = S3MediaStore(_s3_settings(s3_server, "p", s3_bucket="no-such-bucket"))
    for attempt in (store.put(KEY, b"data", "image/jpeg"), store.read(KEY), store.open(KEY), store.size(KEY),
                    store.delete([KEY])):
        with pytest.raises(MediaStoreUnavailable) as raised:
            await attempt
        assert "no-such-bucket" not in raised.value.public_message


async def test_objects_in_the_bucket_that_are_not_media_keys_are_not_listed(
    s3_server: S3Server, tmp_path: Path
) -> None:
    prefix = key_prefix_for(tmp_path)
    store = S3MediaStore(_s3_settings(s3_server, prefix))
    await store.put(KEY, b"12345", "image/jpeg")
    for stray in ("media/README.txt", f"media/{TOKEN}/notes.md.bak", "media/../x.jpg"):
        assert httpx.put(f"{s3_server.endpoint}/{s3_server.bucket}/{prefix}/{stray}", content=b"x").status_code == 200
    assert [info.key async for info in store.keys("media/")] == [KEY]


@pytest.mark.parametrize(("endpoint", "path_style", "expected"), [
    ("https://minio.example", True, "https://minio.example"),
    ("https://minio.example/", False, "https://media-bucket.minio.example"),
    ("http://s3.garage.example:3900", False, "http://media-bucket.s3.garage.example:3900"),
    ("https://media-bucket.r2.example", False, "https://media-bucket.r2.example"),
    ("", False, ""),
])
def test_virtual_hosted_addressing_puts_the_bucket_in_the_host(endpoint: str, path_style: bool,
                                                               expected: str) -> None:
    # Otherwise obstore takes a custom endpoint as the bucket's URL and names the key's first segment
    # ("media", "accounts") as the bucket: internal media would land in whatever bucket has that name.
    settings = MediaSettings(storage="s3", s3_bucket="media-bucket", s3_endpoint=endpoint, s3_path_style=path_style)
    assert bucket_endpoint(settings) == expected


async def test_an_unreachable_server_is_unavailable_and_names_no_secret(tmp_path: Path) -> None:
    settings = MediaSettings.model_validate(dict(
        storage="s3", s3_endpoint="http://127.0.0.1:9", s3_bucket="b-b-b", s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET_KEY, s3_path_style=True))
    with pytest.raises(MediaStoreUnavailable) as raised:
        await S3MediaStore(settings).put(KEY, b"data", "image/jpeg")
    assert SECRET_KEY not in str(raised.value) and SECRET_KEY not in repr(settings)


async def test_the_prefix_keeps_instances_apart(s3_server: S3Server, tmp_path: Path) -> None:
    one = S3MediaStore(_s3_settings(s3_server, key_prefix_for(tmp_path) + "one"))
    two = S3MediaStore(_s3_settings(s3_server, key_prefix_for(tmp_path) + "two"))
    await one.put(KEY, b"one's", "image/jpeg")
    assert await two.read(KEY) is None
    assert s3_server.keys(key_prefix_for(tmp_path)) == [f"{key_prefix_for(tmp_path)}one/{KEY}"]


async def test_credentials_may_come_from_the_environment(s3_server: S3Server, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # An instance role or AWS_* variables instead of keys in the config: the usual way on AWS.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    store = S3MediaStore(_s3_settings(s3_server, key_prefix_for(tmp_path), s3_access_key_id="",
                                      s3_secret_access_key=""))
    await store.put(KEY, b"data", "image/jpeg")
    assert await store.read(KEY) == b"data"
