"""BlurHash (https://blurha.sh): a 20-30 character placeholder for an image.

Pure Python on purpose: the encoder runs on a tiny downscaled copy (see
``SAMPLE_SIZE``), so it costs about as much as one small thumbnail, and the
algorithm is short enough to own rather than to depend on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image

from activitypub.errors import InvalidInput

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
_INDEX = {char: i for i, char in enumerate(ALPHABET)}
# The basis functions span the whole image whatever its resolution, so a
# 32x32 sample gives (nearly) the hash of the full image at 1/1000 the cost.
SAMPLE_SIZE = 32
Colour = tuple[float, float, float]


def _encode83(value: int, length: int) -> str:
    return "".join(ALPHABET[(value // 83**i) % 83] for i in range(length - 1, -1, -1))


def _decode83(text: str) -> int:
    value = 0
    for char in text:
        if char not in _INDEX:
            raise InvalidInput("Invalid blurhash character")
        value = value * 83 + _INDEX[char]
    return value


def _srgb_to_linear(value: int) -> float:
    v = value / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _linear_to_srgb(value: float) -> int:
    v = max(0.0, min(1.0, value))
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _sign_pow(value: float, exponent: float) -> float:
    return math.copysign(abs(value) ** exponent, value)


def _cosines(components: int, size: int) -> list[list[float]]:
    return [[math.cos(math.pi * c * p / size) for p in range(size)] for c in range(components)]


def _factors(pixels: Sequence[Colour], width: int, height: int, x_comp: int, y_comp: int) -> list[Colour]:
    """Project the linear-light pixels onto the cosine basis (the reference's ``multiplyBasisFunction``)."""
    cos_x, cos_y = _cosines(x_comp, width), _cosines(y_comp, height)
    factors: list[Colour] = []
    for j in range(y_comp):
        for i in range(x_comp):
            scale = (1 if i == 0 and j == 0 else 2) / (width * height)
            r = g = b = 0.0
            for y in range(height):
                row, cy = y * width, cos_y[j][y]
                for x in range(width):
                    basis = cos_x[i][x] * cy
                    pr, pg, pb = pixels[row + x]
                    r += basis * pr
                    g += basis * pg
                    b += basis * pb
            factors.append((r * scale, g * scale, b * scale))
    return factors


def _encode_ac(colour: Colour, maximum: float) -> int:
    r, g, b = (max(0, min(18, math.floor(_sign_pow(c / maximum, 0.5) * 9 + 9.5))) for c in colour)
    return r * 19 * 19 + g * 19 + b


def encode_pixels(
    pixels: Sequence[tuple[int, int, int]], width: int, height: int, x_comp: int = 4, y_comp: int = 4
) -> str:
    """Hash ``width*height`` sRGB pixels in row-major order."""
    if not (1 <= x_comp <= 9 and 1 <= y_comp <= 9):
        raise InvalidInput("Blurhash components must be between 1 and 9")
    if width < 1 or height < 1 or len(pixels) != width * height:
        raise InvalidInput("Pixel count does not match the dimensions")
    linear = [(_srgb_to_linear(r), _srgb_to_linear(g), _srgb_to_linear(b)) for r, g, b in pixels]
    dc, *ac = _factors(linear, width, height, x_comp, y_comp)
    result = _encode83((x_comp - 1) + (y_comp - 1) * 9, 1)
    maximum = 1.0
    quantised = 0
    if ac:
        actual = max(abs(c) for colour in ac for c in colour)
        quantised = max(0, min(82, math.floor(actual * 166 - 0.5)))
        maximum = (quantised + 1) / 166
    result += _encode83(quantised, 1)
    dc_value = (_linear_to_srgb(dc[0]) << 16) + (_linear_to_srgb(dc[1]) << 8) + _linear_to_srgb(dc[2])
    result += _encode83(dc_value, 4)
    return result + "".join(_encode83(_encode_ac(colour, maximum), 2) for colour in ac)


def encode_image(image: Image.Image, x_comp: int = 4, y_comp: int = 4) -> str:
    """Hash a Pillow image; transparent areas count as white, the usual page background."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    sample = image.convert("RGB").resize((SAMPLE_SIZE, SAMPLE_SIZE), Image.Resampling.BOX)
    raw = sample.tobytes()
    pixels = [(raw[k], raw[k + 1], raw[k + 2]) for k in range(0, len(raw), 3)]
    return encode_pixels(pixels, SAMPLE_SIZE, SAMPLE_SIZE, x_comp, y_comp)


def _decode_ac(value: int, maximum: float) -> Colour:
    quant = (value // (19 * 19), (value // 19) % 19, value % 19)
    r, g, b = (_sign_pow((q - 9) / 9, 2.0) * maximum for q in quant)
    return r, g, b


def components(blurhash: str) -> tuple[int, int]:
    """(x, y) component counts, after checking the length they imply."""
    if len(blurhash) < 6:
        raise InvalidInput("Blurhash too short")
    size_flag = _decode83(blurhash[0])
    x_comp, y_comp = size_flag % 9 + 1, size_flag // 9 + 1
    if len(blurhash) != 4 + 2 * x_comp * y_comp:
        raise InvalidInput("Blurhash length does not match its components")
    return x_comp, y_comp


def decode(blurhash: str, width: int, height: int, punch: float = 1.0) -> list[tuple[int, int, int]]:
    """Render ``width*height`` sRGB pixels, row-major; used by tests and previews."""
    x_comp, y_comp = components(blurhash)
    maximum = (_decode83(blurhash[1]) + 1) / 166 * punch
    dc = _decode83(blurhash[2:6])
    colours: list[Colour] = [
        (_srgb_to_linear(dc >> 16), _srgb_to_linear((dc >> 8) & 255), _srgb_to_linear(dc & 255))
    ]
    for i in range(1, x_comp * y_comp):
        colours.append(_decode_ac(_decode83(blurhash[4 + i * 2 : 6 + i * 2]), maximum))
    cos_x, cos_y = _cosines(x_comp, width), _cosines(y_comp, height)
    pixels: list[tuple[int, int, int]] = []
    for y in range(height):
        for x in range(width):
            r = g = b = 0.0
            for j in range(y_comp):
                for i in range(x_comp):
                    basis = cos_x[i][x] * cos_y[j][y]
                    cr, cg, cb = colours[i + j * x_comp]
                    r, g, b = r + cr * basis, g + cg * basis, b + cb * basis
            pixels.append((_linear_to_srgb(r), _linear_to_srgb(g), _linear_to_srgb(b)))
    return pixels
