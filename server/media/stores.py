"""The media store the settings name, built once at start-up."""

from __future__ import annotations

from server.config import Settings
from server.media.store import LocalMediaStore, MediaStore


def build_media_store(settings: Settings) -> MediaStore:
    if settings.media.storage == "s3":
        from server.media.s3 import S3MediaStore  # obstore loads only where a bucket is configured

        return S3MediaStore(settings.media)
    return LocalMediaStore(settings.data_dir)
