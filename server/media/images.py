"""Still and animated image uploads: sniff, bound, orient, strip, resize, thumbnail, hash.

Every accepted upload is decoded and re-encoded, never stored as sent: that
is what removes EXIF (GPS included), XMP, comments and ICC profiles, and what
turns an HTML/image polyglot into a plain image. The client's MIME type and
filename are never consulted; Pillow sniffs the content, restricted to the
formats below so that rarely-exercised decoders never see untrusted bytes.

The format is kept, as Mastodon keeps it (``IMAGE_STYLES``): a JPEG stays
JPEG, a PNG stays PNG (transparency and all), a WebP stays WebP and a GIF
stays GIF, the thumbnail in the same format. What browsers cannot all show
is converted to JPEG, as Mastodon converts HEIC, HEIF and AVIF
(``IMAGE_CONVERTED_STYLES``); HEIC/HEIF is refused with its own message,
since Pillow cannot read it without a plugin this server does not have.

An animated GIF, WebP or PNG keeps its animation, re-encoded frame by frame,
as long as its frames hold at most ``ANIMATION_PIXELS`` in all (after
scaling down); a larger one keeps its first frame only, and
``ProcessedImage.animation_dropped`` says so. Mastodon turns animated GIFs
into ``gifv`` video instead, which needs a video encoder this module does not
have: here they stay images. Thumbnails are always still.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import TypedDict

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from activitypub.errors import InvalidInput, PayloadTooLarge
from server.media.blurhash import encode_image

SUPPORTED_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
}
KEPT_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})  # stored as uploaded; the others become JPEG
ANIMATED_FORMATS = frozenset({"GIF", "WEBP", "PNG"})
ANIMATION_PIXELS = 16_588_800  # all frames together, after scaling: twice Mastodon's 'original' pixels
MAX_FRAMES = 1000
DEFAULT_FRAME_MS = 100
DEFAULT_MAX_BYTES = 16 * 1024 * 1024  # Mastodon 4.x IMAGE_LIMIT
DEFAULT_MAX_PIXELS = 33_177_600  # 7680x4320, Mastodon's MAX_MATRIX_LIMIT: refused before decoding
ORIGINAL_PIXELS = 8_294_400  # 3840x2160, Mastodon's 'original' style
SMALL_PIXELS = 230_400  # 640x360, Mastodon's 'small' style
BLURHASH_COMPONENTS = (4, 4)  # Mastodon's BLURHASH_OPTIONS
ORIGINAL_QUALITY = 90  # Mastodon's convert option '-quality 90'
THUMBNAIL_QUALITY = 80
# Phones write MPO: a JPEG whose extra frames are previews or depth maps,
# not animation. Pillow reports it as its own format; it is a JPEG here.
_ALIASES = {"MPO": "JPEG"}
_NAMES = "JPEG, PNG, GIF, WebP or AVIF"
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
# Untrusted metadata makes Pillow's parsers fail in assorted ways.
_METADATA_ERRORS = (OSError, ValueError, SyntaxError, EOFError, KeyError, IndexError, TypeError, struct.error)


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    original: bytes
    original_mime: str
    width: int
    height: int
    thumbnail: bytes
    thumbnail_mime: str
    thumb_width: int
    thumb_height: int
    blurhash: str
    source_mime: str  # what the upload really was, by content
    source_width: int
    source_height: int
    animated: bool  # the stored original keeps the upload's animation
    animation_dropped: bool = False  # the upload was animated, but too large: only its first frame was kept


class Geometry(TypedDict):
    width: int
    height: int
    size: str
    aspect: float


class Focus(TypedDict):
    x: float
    y: float


class MediaMeta(TypedDict, total=False):
    original: Geometry
    small: Geometry
    focus: Focus


def geometry(width: int, height: int) -> Geometry:
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


def media_meta(image: ProcessedImage, focus: tuple[float, float] | None = None) -> MediaMeta:
    """The ``meta`` object of a Mastodon MediaAttachment for an image."""
    meta: MediaMeta = {
        "original": geometry(image.width, image.height),
        "small": geometry(image.thumb_width, image.thumb_height),
    }
    if focus is not None:
        meta["focus"] = {"x": focus[0], "y": focus[1]}
    return meta


def parse_focus(value: str) -> tuple[float, float]:
    """Mastodon's ``focus`` parameter, "x,y" with both in [-1, 1]; stricter than Mastodon's to_f."""
    parts = value.split(",")
    if len(parts) != 2:
        raise InvalidInput("Focus must be two numbers: x,y")
    try:
        x, y = (float(part.strip()) for part in parts)
    except ValueError as exc:
        raise InvalidInput("Focus must be two numbers: x,y") from exc
    if not (-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0):  # also false for NaN
        raise InvalidInput("Focus coordinates must be between -1.0 and 1.0")
    return x, y


def _refusal(data: bytes) -> InvalidInput:
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return InvalidInput(f"HEIC/HEIF images are not supported; upload {_NAMES}")
    return InvalidInput(f"The file is not a supported image ({_NAMES})")


def _open(data: bytes) -> ImageFile.ImageFile:
    """Read the header only: dimensions are known before any pixel is decoded."""
    try:
        return Image.open(io.BytesIO(data), formats=list(SUPPORTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard fires first above ~89 MP; the warning only arrives
        # here when warnings are errors (the test suite); otherwise our check does.
        raise InvalidInput("Image dimensions are too large") from exc
    except (UnidentifiedImageError, *_METADATA_ERRORS) as exc:
        raise _refusal(data) from exc


def _is_animated(image: ImageFile.ImageFile) -> bool:
    try:
        return bool(getattr(image, "is_animated", False))
    except _METADATA_ERRORS:
        return False  # a broken second frame does not matter: only the first is used


def _decode(image: ImageFile.ImageFile, target_pixels: int, source_format: str) -> None:
    """Decode the first frame, letting libjpeg skip detail we would discard anyway."""
    width, height = image.size
    if source_format == "JPEG" and width * height > target_pixels:
        scale = math.sqrt(target_pixels / (width * height))
        # draft() picks the largest 1/2, 1/4, 1/8 reduction still at least this big.
        image.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))
    try:
        image.seek(0)
        image.load()
    except (Image.DecompressionBombError, MemoryError) as exc:
        raise InvalidInput("Image dimensions are too large") from exc
    except _METADATA_ERRORS as exc:
        raise InvalidInput("The image is truncated or corrupt") from exc


def _orient(image: Image.Image) -> Image.Image:
    """Apply EXIF orientation now, since the EXIF that records it is about to go."""
    try:
        return ImageOps.exif_transpose(image)
    except _METADATA_ERRORS:
        return image.copy()  # unreadable EXIF: show the pixels as stored


@lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert through an embedded ICC profile, so colours survive dropping it."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, _srgb(), outputMode=mode)
    except (ImageCms.PyCMSError, *_METADATA_ERRORS):
        return image  # a broken or mismatched profile: keep the raw values
    return image if converted is None else converted


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _normalise(image: Image.Image) -> Image.Image:
    """Reduce to L, RGB or RGBA; alpha only survives if some pixel uses it."""
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        lowest = rgba.getchannel("A").getextrema()[0]
        return rgba if isinstance(lowest, (int, float)) and lowest < 255 else rgba.convert("RGB")
    if image.mode in ("RGB", "L"):
        return image
    if image.mode.startswith("I"):
        # 16-bit greyscale: a plain convert would clip everything above 255 to white.
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return image.convert("RGB")


def _fit(image: Image.Image, pixels: int) -> Image.Image:
    """Scale down to at most ``pixels`` in area, keeping the aspect ratio (Paperclip's 'N@')."""
    width, height = image.size
    if width * height <= pixels:
        return image
    scale = math.sqrt(pixels / (width * height))
    size = (max(1, math.floor(width * scale)), max(1, math.floor(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _without_alpha(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: transparent areas become white, as they show on a light page."""
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def _save_options(image_format: str, quality: int) -> dict[str, object]:
    if image_format == "JPEG":
        return {"quality": quality, "optimize": True}
    if image_format == "WEBP":
        return {"quality": quality}
    return {}


def _encode(image: Image.Image, image_format: str, quality: int) -> bytes:
    """One still, in ``image_format``; nothing of the upload's metadata is passed on."""
    clean = _without_alpha(image) if image_format == "JPEG" else image
    clean.info = {}  # PNG re-embeds info's ICC and JPEG its comment; nothing may leak
    buffer = io.BytesIO()
    clean.save(buffer, image_format, **_save_options(image_format, quality))
    return buffer.getvalue()


def _fitted_size(width: int, height: int, pixels: int) -> tuple[int, int]:
    if width * height <= pixels:
        return width, height
    scale = math.sqrt(pixels / (width * height))
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


def _keeps_animation(source: ImageFile.ImageFile, original_pixels: int) -> bool:
    frames = int(getattr(source, "n_frames", 1))
    width, height = _fitted_size(*source.size, original_pixels)
    return frames <= MAX_FRAMES and frames * width * height <= ANIMATION_PIXELS


def _frames(source: ImageFile.ImageFile, original_pixels: int) -> tuple[list[Image.Image], list[int]]:
    """Every frame, whole (Pillow composes each on the ones before), scaled like the original."""
    frames: list[Image.Image] = []
    durations: list[int] = []
    for index in range(int(getattr(source, "n_frames", 1))):
        try:
            source.seek(index)
            source.load()
        except (Image.DecompressionBombError, MemoryError, *_METADATA_ERRORS) as exc:
            raise InvalidInput("The animation is truncated or corrupt") from exc
        frames.append(_fit(source.convert("RGBA"), original_pixels))
        durations.append(int(source.info.get("duration") or DEFAULT_FRAME_MS))
    if all(_normalise(frame).mode != "RGBA" for frame in frames):
        frames = [frame.convert("RGB") for frame in frames]
    return frames, durations


def _encode_animation(frames: list[Image.Image], durations: list[int], image_format: str, loop: int) -> bytes:
    """All frames, whole, each replacing the last (GIF's disposal 2, APNG's blend 'source')."""
    for frame in frames:
        frame.info = {}
    buffer = io.BytesIO()
    options: dict[str, object] = {"save_all": True, "append_images": frames[1:], "duration": durations,
                                  "loop": loop, **_save_options(image_format, ORIGINAL_QUALITY)}
    if image_format == "GIF":
        options["disposal"] = 2
    frames[0].save(buffer, image_format, **options)
    return buffer.getvalue()


def process_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    original_pixels: int = ORIGINAL_PIXELS,
    small_pixels: int = SMALL_PIXELS,
    blurhash_components: tuple[int, int] = BLURHASH_COMPONENTS,
    keep_animation: bool = True,
) -> ProcessedImage:
    """Validate and transcode one uploaded image; CPU work is bounded by ``max_pixels`` (and, for an
    animation, ``ANIMATION_PIXELS``). ``keep_animation=False`` keeps only the first frame (avatars)."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Images may be at most {max_bytes} bytes")
    if not data:
        raise InvalidInput("The file is empty")
    with _open(data) as source:
        source_format = _ALIASES.get(source.format or "", source.format or "")
        source_width, source_height = source.size
        if source_format not in SUPPORTED_FORMATS:
            raise _refusal(data)
        if source_width * source_height > max_pixels:
            raise InvalidInput(f"Image dimensions are too large: {source_width}x{source_height}")
        image_format = source_format if source_format in KEPT_FORMATS else "JPEG"
        was_animated = source_format != "JPEG" and _is_animated(source)
        animate = was_animated and keep_animation and image_format in ANIMATED_FORMATS \
            and _keeps_animation(source, original_pixels)
        loop = int(source.info.get("loop", 0) or 0)
        _decode(source, original_pixels, source_format)
        image = _normalise(_to_srgb(_orient(source)))
        animation = _frames(source, original_pixels) if animate else None
    original = _fit(image, original_pixels)
    small = _fit(original, small_pixels)
    if animation is not None:
        original_bytes = _encode_animation(*animation, image_format, loop)
    else:
        original_bytes = _encode(original, image_format, ORIGINAL_QUALITY)
    mime = SUPPORTED_FORMATS[image_format]
    return ProcessedImage(
        original=original_bytes,
        original_mime=mime,
        width=original.width,
        height=original.height,
        thumbnail=_encode(small, image_format, THUMBNAIL_QUALITY),
        thumbnail_mime=mime,
        thumb_width=small.width,
        thumb_height=small.height,
        blurhash=encode_image(small, *blurhash_components),
        source_mime=SUPPORTED_FORMATS[source_format],
        source_width=source_width,
        source_height=source_height,
        animated=animation is not None,
        animation_dropped=was_animated and animation is None,
    )
