"""Image formats through Mastodon.py against a live server: each upload comes back in its own format.

Given an employee signed in through Mastodon.py; when she uploads a
transparent PNG, a WebP, a GIF (still and animated), an AVIF, a phone's
JPEG with GPS and a HEIC; then, as on Mastodon, PNG, WebP, GIF and JPEG keep
their format (and the PNG its transparency), AVIF becomes JPEG, metadata is
gone with the orientation applied, the entity's ``meta`` and URLs match the
stored files, and the HEIC is refused with a clear 422. Unlike Mastodon, an
animated GIF stays an animated GIF ``image``: there is no video encoder here
to make it ``gifv``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
import requests
from mastodon import Mastodon, MastodonAPIError
from PIL import ExifTags, Image

from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.mastodon_clients import employees, signed_in

# Every test runs on the local store and again on an S3 bucket (tests/s3_server.py).
pytestmark = pytest.mark.usefixtures("on_each_media_store")


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return employees("alice")


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _served(url: str, content_type: str) -> Image.Image:
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def _upload(api: Mastodon, data: bytes, mime: str, **options: Any) -> Any:
    return api.media_post(data, mime_type=mime, **options)


def _transparent_png() -> bytes:
    image = Image.new("RGBA", (80, 60), (0, 128, 255, 255))
    image.paste((0, 0, 0, 0), (0, 0, 40, 60))
    return _encoded(image, "PNG")


def test_a_transparent_png_stays_a_transparent_png(live_server: LiveServer, session: requests.Session) -> None:
    alice = signed_in(live_server, session, "alice")

    media = _upload(alice, _transparent_png(), "image/png", focus=(0.5, -0.5))

    assert media["type"] == "image"
    assert media["url"].endswith("/original.png")
    assert media["preview_url"].endswith("/small.png")
    original = _served(media["url"], "image/png")
    assert original.mode == "RGBA"
    assert original.getchannel("A").getpixel((10, 10)) == 0
    assert original.getpixel((70, 10)) == (0, 128, 255, 255)
    assert media["meta"]["original"]["width"] == original.width == 80
    assert media["meta"]["original"]["height"] == original.height == 60
    small = _served(media["preview_url"], "image/png")
    assert (media["meta"]["small"]["width"], media["meta"]["small"]["height"]) == small.size
    assert media["meta"]["focus"] == {"x": 0.5, "y": -0.5}


def test_an_opaque_png_stays_png(live_server: LiveServer, session: requests.Session) -> None:
    alice = signed_in(live_server, session, "alice")

    media = _upload(alice, _encoded(Image.new("RGB", (30, 30), (10, 20, 30)), "PNG"), "image/png")

    assert media["url"].endswith("/original.png")
    assert _served(media["url"], "image/png").format == "PNG"


@pytest.mark.parametrize(("fmt", "mime", "extension"), [("WEBP", "image/webp", "webp"), ("GIF", "image/gif", "gif")])
def test_webp_and_still_gif_keep_their_format(
    live_server: LiveServer, session: requests.Session, fmt: str, mime: str, extension: str
) -> None:
    alice = signed_in(live_server, session, "alice")

    media = _upload(alice, _encoded(Image.new("RGB", (40, 20), (200, 0, 0)), fmt), mime)

    assert media["type"] == "image"
    assert media["url"].endswith(f"/original.{extension}")
    assert media["preview_url"].endswith(f"/small.{extension}")
    assert _served(media["url"], mime).size == (40, 20)
    assert _served(media["preview_url"], mime).format == fmt


def test_an_animated_gif_stays_an_animated_gif_image(live_server: LiveServer, session: requests.Session) -> None:
    alice = signed_in(live_server, session, "alice")
    frames = [Image.new("RGB", (48, 32), colour) for colour in ((0, 200, 0), (200, 0, 0), (0, 0, 200))]
    data = _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0)

    media = _upload(alice, data, "image/gif")

    assert media["type"] == "image"  # Mastodon would answer gifv, an mp4; there is no video encoder here
    assert media["url"].endswith("/original.gif")
    original = _served(media["url"], "image/gif")
    assert getattr(original, "n_frames", 1) == 3
    assert media["meta"]["original"]["width"] == 48
    assert getattr(_served(media["preview_url"], "image/gif"), "n_frames", 1) == 1


def test_avif_becomes_jpeg_as_on_mastodon(live_server: LiveServer, session: requests.Session) -> None:
    alice = signed_in(live_server, session, "alice")

    media = _upload(alice, _encoded(Image.new("RGB", (40, 20), (0, 0, 200)), "AVIF"), "image/avif")

    assert media["url"].endswith("/original.jpg")
    assert media["preview_url"].endswith("/small.jpg")
    assert _served(media["url"], "image/jpeg").size == (40, 20)


def test_a_phone_jpeg_loses_its_metadata_but_keeps_its_orientation(
    live_server: LiveServer, session: requests.Session
) -> None:
    alice = signed_in(live_server, session, "alice")
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown turned 90° clockwise
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 30.0, 0.0)}
    data = _encoded(Image.new("RGB", (60, 20), (255, 0, 0)), "JPEG", exif=exif.tobytes())

    media = _upload(alice, data, "image/jpeg")

    original = _served(media["url"], "image/jpeg")
    assert media["url"].endswith("/original.jpg")
    assert original.size == (20, 60)
    assert media["meta"]["original"]["width"] == 20
    assert dict(original.getexif()) == {}


def test_heic_is_refused_with_a_clear_422(live_server: LiveServer, session: requests.Session) -> None:
    alice = signed_in(live_server, session, "alice")
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)

    with pytest.raises(MastodonAPIError) as refused:
        _upload(alice, heic, "image/heic")

    assert refused.value.args[1] == 422
    assert "HEIC" in str(refused.value.args[-1])
