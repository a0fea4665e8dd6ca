"""Media in a private bucket of an S3-compatible server (AWS S3, MinIO, Ceph RGW, Garage, R2).

The client is obstore (the Rust ``object_store`` crate that Apache Arrow and DataFusion use,
behind a small typed Python API): asyncio-native without pulling in aiohttp or botocore, and
one of the few clients that speaks path-style addressing, custom endpoints and plain HTTP
for self-hosted servers alike.

The bucket stays private: Insideout never makes an object public nor hands out a bucket
URL. Every object is read through the server, behind the same capability or public-token
check as a local file (docs/media-storage.md).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from datetime import timedelta
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import obstore
from obstore.store import S3Store

from activitypub.errors import MediaStoreUnavailable
from server.config import MediaSettings
from server.media.store import PREFIXES, KeyInfo, StoredObject, check_key, valid_key

log = logging.getLogger(__name__)

CONNECT_TIMEOUT: Final = "5s"
REQUEST_TIMEOUT: Final = "60s"
# A few quick retries inside one request; longer outages are the stored queues' to retry.
RETRIES: Final = {"max_retries": 2, "retry_timeout": timedelta(seconds=20),
                  "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=2),
                              "base": 2.0}}


class S3MediaStore:
    name = "s3"

    def __init__(self, settings: MediaSettings) -> None:
        self._bucket = settings.s3_bucket
        self._endpoint = settings.s3_endpoint
        self._prefix = settings.s3_prefix
        options: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT, "timeout": REQUEST_TIMEOUT}
        if settings.s3_endpoint.startswith("http://"):
            options["allow_http"] = True
        # An empty setting is left out, not passed as None: obstore then takes the credentials (and the
        # endpoint) from the AWS_* environment or the instance's IAM role, as other S3 clients do.
        given = {"prefix": settings.s3_prefix, "endpoint": bucket_endpoint(settings),
                 "access_key_id": settings.s3_access_key_id, "secret_access_key": settings.s3_secret_access_key}
        self._store = S3Store(
            settings.s3_bucket,
            region=settings.s3_region,
            virtual_hosted_style_request=not settings.s3_path_style,
            client_options=options,  # type: ignore[arg-type]
            retry_config=RETRIES,  # type: ignore[arg-type]
            **{name: value for name, value in given.items() if value},  # type: ignore[arg-type]
        )

    def describe(self) -> str:
        where = self._endpoint or "AWS"
        return f"bucket {self._bucket!r} at {where}" + (f", prefix {self._prefix!r}" if self._prefix else "")

    async def put(self, key: str, data: bytes, media_type: str) -> None:
        check_key(key)
        try:
            await obstore.put_async(self._store, key, data, attributes={"Content-Type": media_type})
        except Exception as exc:  # obstore's errors have no common base beyond Exception
            raise MediaStoreUnavailable(detail=f"PUT {key}: {_short(exc)}") from exc

    async def open(self, key: str) -> StoredObject | None:
        body = await self.read(key)
        return None if body is None else StoredObject(key, len(body), body=body)

    async def read(self, key: str) -> bytes | None:
        check_key(key)
        try:
            result = await obstore.get_async(self._store, key)
            return bytes(await result.bytes_async())
        except FileNotFoundError as exc:
            # obstore reports a missing bucket as a missing object: that is a store that is not there.
            if "NoSuchBucket" in str(exc):
                raise MediaStoreUnavailable(detail=f"GET {key}: {_short(exc)}") from exc
            return None
        except Exception as exc:
            raise MediaStoreUnavailable(detail=f"GET {key}: {_short(exc)}") from exc

    async def size(self, key: str) -> int | None:
        check_key(key)
        try:
            meta = await obstore.head_async(self._store, key)
        except FileNotFoundError:
            # A HEAD answer has no body to tell a missing object from a missing bucket; a listing does.
            await self._bucket_answers(f"HEAD {key}")
            return None
        except Exception as exc:
            raise MediaStoreUnavailable(detail=f"HEAD {key}: {_short(exc)}") from exc
        return int(meta["size"])

    async def _bucket_answers(self, doing: str) -> None:
        try:
            await obstore.list_with_delimiter_async(self._store, "probe/")
        except Exception as exc:
            raise MediaStoreUnavailable(detail=f"{doing}: {_short(exc)}") from exc

    async def delete(self, keys: Iterable[str]) -> None:
        wanted = [check_key(key) for key in keys]
        if not wanted:
            return
        try:
            await obstore.delete_async(self._store, wanted)
        except FileNotFoundError as exc:
            # An absent object is already removed; an absent bucket is a store that is not there.
            if "NoSuchBucket" in str(exc):
                raise MediaStoreUnavailable(detail=f"DELETE {', '.join(wanted)}: {_short(exc)}") from exc
        except Exception as exc:
            raise MediaStoreUnavailable(detail=f"DELETE {', '.join(wanted)}: {_short(exc)}") from exc

    async def keys(self, prefix: str) -> AsyncIterator[KeyInfo]:
        if prefix not in PREFIXES:
            raise ValueError(f"not a media prefix: {prefix!r}")
        try:
            async for batch in obstore.list(self._store, prefix):
                for meta in batch:
                    key = str(meta["path"])
                    if valid_key(key):  # anything else in the bucket is not ours to copy or back up
                        yield KeyInfo(key, int(meta["size"]))
                    else:
                        log.warning("not a media key, skipped: %r", key[:200])
        except Exception as exc:
            raise MediaStoreUnavailable(detail=f"LIST {prefix}: {_short(exc)}") from exc


def bucket_endpoint(settings: MediaSettings) -> str:
    """The endpoint obstore is given: with virtual-hosted addressing obstore takes a custom endpoint as
    the bucket's own URL, so the bucket goes in front of the host (``https://bucket.minio.example``),
    otherwise every request would name the first segment of the key as its bucket."""
    endpoint = settings.s3_endpoint.rstrip("/")
    if not endpoint or settings.s3_path_style:
        return endpoint
    parts = urlsplit(endpoint)
    if parts.hostname and parts.hostname.startswith(f"{settings.s3_bucket}."):
        return endpoint
    return urlunsplit((parts.scheme, f"{settings.s3_bucket}.{parts.netloc}", parts.path, "", ""))


def _short(exc: BaseException) -> str:
    # obstore's messages carry the whole response body; the first line says what failed.
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
