"""Image uploads: content sniffing, limits, metadata stripping, resizing."""

from __future__ import annotations

import io
import math
import os
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms

from activitypub.errors import InvalidInput, PayloadTooLarge
from server.media import media_meta, parse_focus, process_image
from server.media.images import ORIGINAL_PIXELS, SMALL_PIXELS


def _save(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _two_tone(width: int = 40, height: int = 20) -> Image.Image:
    """Red left half, blue right half: orientation shows in where the red goes."""
    image = Image.new("RGB", (width, height), (255, 0, 0))
    image.paste((0, 0, 255), (width // 2, 0, width, height))
    return image


def _close(pixel: object, expected: tuple[int, ...], tolerance: int = 12) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def _png_with_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims any size: a decompression bomb in miniature."""
    data = bytearray(_save(Image.new("L", (1, 1)), "PNG"))
    ihdr = 8 + 8  # signature, then length and type of the IHDR chunk
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13])))
    return bytes(data)


def test_jpeg_metadata_is_stripped_and_orientation_applied() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored sideways: rotate 90 degrees clockwise to show
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 1.5)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b"<x:xmpmeta>secret</x:xmpmeta>"
    data = _save(_two_tone(), "JPEG", exif=exif, xmp=xmp, comment=b"secret", icc_profile=icc)
    assert _open(data).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture really carries GPS

    result = process_image(data)

    assert (result.width, result.height) == (20, 40)
    assert (result.source_width, result.source_height) == (40, 20)
    assert result.original_mime == result.source_mime == "image/jpeg"
    for blob in (result.original, result.thumbnail):
        output = _open(blob)
        assert not output.getexif()
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(output.info)
        assert b"Exif" not in blob and b"secret" not in blob
    shown = _open(result.original)
    assert _close(shown.getpixel((10, 3)), (255, 0, 0))  # the left edge is now on top
    assert _close(shown.getpixel((10, 36)), (0, 0, 255))


def test_png_text_and_exif_chunks_are_stripped() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "secret camera"
    image = Image.new("RGBA", (30, 30), (0, 128, 0, 128))
    result = process_image(_save(image, "PNG", pnginfo=info, exif=exif))
    assert result.original_mime == "image/png"
    assert b"secret" not in result.original
    assert not _open(result.original).getexif()


def test_embedded_icc_profile_is_applied_then_dropped() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = process_image(_save(Image.new("RGBA", (10, 10), (200, 10, 10, 100)), "PNG", icc_profile=icc))
    output = _open(result.original)
    assert "icc_profile" not in output.info
    assert _close(output.getpixel((1, 1)), (200, 10, 10, 100), tolerance=2)


def test_alpha_is_kept_as_png() -> None:
    image = Image.new("RGBA", (50, 50), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 25, 50))
    result = process_image(_save(image, "PNG"))
    assert result.original_mime == result.thumbnail_mime == "image/png"
    output = _open(result.original)
    assert output.mode == "RGBA"
    assert output.getpixel((5, 5)) == (0, 0, 0, 0)


def test_png_without_alpha_stays_png() -> None:
    result = process_image(_save(Image.new("RGBA", (50, 50), (10, 200, 10, 255)), "PNG"))
    assert result.original_mime == result.thumbnail_mime == "image/png"
    assert result.source_mime == "image/png"
    assert _open(result.original).format == "PNG"


@pytest.mark.parametrize(("fmt", "mime", "stored"), [
    ("WEBP", "image/webp", "image/webp"), ("GIF", "image/gif", "image/gif"), ("AVIF", "image/avif", "image/jpeg"),
])
def test_browser_formats_are_kept_and_avif_becomes_jpeg(fmt: str, mime: str, stored: str) -> None:
    result = process_image(_save(_two_tone(), fmt))
    assert result.source_mime == mime
    assert result.original_mime == result.thumbnail_mime == stored
    assert _open(result.original).format == stored.removeprefix("image/").upper()
    assert (result.width, result.height) == (40, 20)
    assert not result.animated


def test_transparent_webp_keeps_its_alpha() -> None:
    image = Image.new("RGBA", (20, 20), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 10, 20))
    output = _open(process_image(_save(image, "WEBP", lossless=True)).original)
    assert output.format == "WEBP"
    assert output.convert("RGBA").getchannel("A").getpixel((5, 5)) == 0


def test_avif_alpha_is_flattened_onto_white() -> None:
    result = process_image(_save(Image.new("RGBA", (20, 20), (0, 0, 0, 0)), "AVIF"))
    assert _close(_open(result.original).getpixel((5, 5)), (255, 255, 255))


def test_webp_exif_and_xmp_are_stripped() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    data = _save(_two_tone(), "WEBP", exif=exif.tobytes(), xmp=b"<x:xmpmeta>secret</x:xmpmeta>")
    output = _open(process_image(data).original)
    assert "exif" not in output.info
    assert "xmp" not in output.info
    assert dict(output.getexif()) == {}


def test_mpo_from_phones_is_a_jpeg() -> None:
    data = _save(_two_tone(), "MPO", save_all=True, append_images=[Image.new("RGB", (40, 20))])
    assert _open(data).format == "MPO"
    result = process_image(data)
    assert result.source_mime == "image/jpeg"
    assert not result.animated  # the second frame is a preview or depth map, not animation
    assert _close(_open(result.original).getpixel((5, 5)), (255, 0, 0))


def test_cmyk_and_16_bit_grey_are_converted() -> None:
    cmyk = process_image(_save(Image.new("CMYK", (10, 10), (0, 255, 255, 0)), "JPEG"))
    assert _close(_open(cmyk.original).getpixel((5, 5)), (255, 0, 0))
    grey = process_image(_save(Image.new("I;16", (10, 10), 30000), "PNG"))
    assert abs(int(str(_open(grey.original).getpixel((5, 5)))) - 30000 // 256) <= 2


def _animated_gif(size: tuple[int, int] = (32, 32), frames: int = 3) -> bytes:
    colours = [(0, 200, 0), (200, 0, 0), (0, 0, 200)]
    images = [Image.new("RGB", size, colours[index % 3]) for index in range(frames)]
    return _save(images[0], "GIF", save_all=True, append_images=images[1:], duration=[100, 200, 300] * frames,
                 loop=0, comment=b"made on my laptop")


def test_animated_gif_stays_an_animated_gif() -> None:
    result = process_image(_animated_gif())
    output = _open(result.original)
    assert result.animated
    assert result.original_mime == result.source_mime == "image/gif"
    assert getattr(output, "n_frames", 1) == 3
    assert "comment" not in output.info
    output.seek(1)
    assert _close(output.convert("RGB").getpixel((16, 16)), (200, 0, 0))
    assert output.info["duration"] == 200
    assert getattr(_open(result.thumbnail), "n_frames", 1) == 1  # thumbnails are still


def test_an_animation_too_large_keeps_its_first_frame() -> None:
    result = process_image(_animated_gif((1000, 1000), frames=20))
    assert not result.animated
    assert result.animation_dropped
    assert result.original_mime == "image/gif"
    assert getattr(_open(result.original), "n_frames", 1) == 1


def test_keep_animation_false_keeps_the_first_frame() -> None:
    result = process_image(_animated_gif(), keep_animation=False)
    assert result.animation_dropped
    assert getattr(_open(result.original), "n_frames", 1) == 1
    assert _close(_open(result.original).convert("RGB").getpixel((16, 16)), (0, 200, 0))


def test_large_images_are_downscaled_like_mastodon() -> None:
    data = _save(_two_tone(4000, 2500), "JPEG")
    result = process_image(data)
    assert (result.source_width, result.source_height) == (4000, 2500)
    assert result.width * result.height <= ORIGINAL_PIXELS
    assert result.width * result.height > ORIGINAL_PIXELS * 0.99
    assert math.isclose(result.width / result.height, 1.6, rel_tol=0.01)
    assert result.thumb_width * result.thumb_height <= SMALL_PIXELS
    assert math.isclose(result.thumb_width / result.thumb_height, 1.6, rel_tol=0.01)
    assert _open(result.original).size == (result.width, result.height)
    assert _open(result.thumbnail).size == (result.thumb_width, result.thumb_height)


def test_small_images_keep_their_size() -> None:
    result = process_image(_save(_two_tone(300, 200), "PNG"))
    assert (result.width, result.height) == (result.thumb_width, result.thumb_height) == (300, 200)


@pytest.mark.parametrize("size", [(60_000, 60_000), (10_000, 10_000), (8_000, 5_000)])
def test_decompression_bombs_are_refused_from_the_header(size: tuple[int, int]) -> None:
    with pytest.raises(InvalidInput, match="too large"):
        process_image(_png_with_size(*size))


def test_pixel_limit_is_configurable() -> None:
    data = _save(_two_tone(200, 200), "PNG")
    with pytest.raises(InvalidInput, match="200x200"):
        process_image(data, max_pixels=10_000)


def test_byte_limit() -> None:
    data = _save(_two_tone(), "PNG")
    with pytest.raises(PayloadTooLarge):
        process_image(data, max_bytes=len(data) - 1)
    assert process_image(data, max_bytes=len(data)).width == 40


def test_truncated_jpeg_is_refused() -> None:
    noise = Image.frombytes("RGB", (128, 128), os.urandom(128 * 128 * 3))
    data = _save(noise, "JPEG")
    with pytest.raises(InvalidInput, match="truncated or corrupt"):
        process_image(data[: len(data) // 2])


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",  # HTML uploaded as "x.png"
        b"GIF89a<script>alert(1)</script>",  # image magic, script body
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"%PDF-1.7\n",
        b"\x00",
    ],
)
def test_non_images_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="not a supported image"):
        process_image(data)


def test_empty_upload_is_refused() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        process_image(b"")


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_formats_outside_the_list_are_refused(fmt: str) -> None:
    with pytest.raises(InvalidInput, match="not a supported image"):
        process_image(_save(_two_tone(), fmt))


def test_heic_gets_a_specific_message() -> None:
    data = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(InvalidInput, match="HEIC"):
        process_image(data)


def test_polyglot_tail_is_dropped() -> None:
    data = _save(_two_tone(), "PNG") + b"<html><script>alert(1)</script></html>"
    result = process_image(data)
    assert b"<script" not in result.original and b"<script" not in result.thumbnail


def test_media_meta_shape() -> None:
    result = process_image(_save(_two_tone(1280, 720), "JPEG"))
    meta = media_meta(result, parse_focus("0.5,-0.3"))
    assert meta == {
        "original": {"width": 1280, "height": 720, "size": "1280x720", "aspect": 1280 / 720},
        "small": {"width": 640, "height": 360, "size": "640x360", "aspect": 640 / 360},
        "focus": {"x": 0.5, "y": -0.3},
    }
    assert "focus" not in media_meta(result)
    assert result.blurhash.startswith("U")  # 4x4 components, as Mastodon uses


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.5,-0.3", (0.5, -0.3)), ("-1,1", (-1.0, 1.0)), (" 0 , 0 ", (0.0, 0.0)), ("1.0,-1.0", (1.0, -1.0))],
)
def test_parse_focus(value: str, expected: tuple[float, float]) -> None:
    assert parse_focus(value) == expected


@pytest.mark.parametrize("value", ["", "0.5", "0.5,0.5,0.5", "1.1,0", "0,-1.01", "a,b", "nan,0", "inf,0", "0;0"])
def test_parse_focus_refuses(value: str) -> None:
    with pytest.raises(InvalidInput):
        parse_focus(value)
