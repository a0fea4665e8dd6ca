"""Media uploads: image validation and transcoding, thumbnails, blurhash, focus.

Pure computation over bytes; storing files and serving them is the caller's.
"""

from __future__ import annotations

from server.media.blurhash import decode as decode_blurhash
from server.media.blurhash import encode_image as blurhash_image
from server.media.images import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    SUPPORTED_FORMATS,
    MediaMeta,
    ProcessedImage,
    media_meta,
    parse_focus,
    process_image,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "SUPPORTED_FORMATS",
    "MediaMeta",
    "ProcessedImage",
    "blurhash_image",
    "decode_blurhash",
    "media_meta",
    "parse_focus",
    "process_image",
]
