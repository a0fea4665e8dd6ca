"""Whether a text is exactly one emoji, as an announcement reaction's name must be.

One emoji is one grapheme built of emoji code points: a base (with an
optional variation selector, skin tone, keycap mark or tag sequence), parts
joined by ZERO WIDTH JOINER, or a flag (two regional indicators). Mastodon
checks reactions against its own emoji list; this is the same idea without
shipping a list: anything that is not one emoji (text, two emoji, an unknown
``:shortcode:``) is refused.
"""

from __future__ import annotations

from typing import Final

ZWJ: Final = 0x200D
VARIATION: Final = frozenset({0xFE0E, 0xFE0F})
KEYCAP: Final = 0x20E3
KEYCAP_BASES: Final = frozenset(map(ord, "0123456789#*"))
SKIN_TONES: Final = range(0x1F3FB, 0x1F400)
TAGS: Final = range(0xE0020, 0xE0080)
REGIONAL: Final = range(0x1F1E6, 0x1F200)
MAX_LENGTH: Final = 32
# Blocks (and single code points) holding emoji bases.
_BASE_RANGES: Final = (
    (0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2300, 0x23FF), (0x2B00, 0x2BFF), (0x2190, 0x21FF),
    (0x25A0, 0x25FF), (0x2900, 0x297F), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297),
    (0x3299, 0x3299), (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049),
    (0x2122, 0x2122), (0x2139, 0x2139), (0x24C2, 0x24C2),
)


def _is_base(code: int) -> bool:
    return any(low <= code <= high for low, high in _BASE_RANGES) and code not in SKIN_TONES


def _element(codes: list[int], at: int) -> int | None:
    """The end of one emoji element starting at ``at`` (base and its modifiers), or None."""
    if at >= len(codes):
        return None
    code = codes[at]
    if code in KEYCAP_BASES:
        rest = codes[at + 1:at + 3]
        if rest == [0xFE0F, KEYCAP]:
            return at + 3
        return at + 2 if rest[:1] == [KEYCAP] else None
    if not _is_base(code):
        return None
    at += 1
    if at < len(codes) and codes[at] in VARIATION:
        at += 1
    if at < len(codes) and codes[at] in SKIN_TONES:
        at += 1
    while at < len(codes) and codes[at] in TAGS:
        at += 1
    return at


def is_single_emoji(text: str) -> bool:
    codes = [ord(c) for c in text]
    if not codes or len(codes) > MAX_LENGTH:
        return False
    if len(codes) == 2 and all(c in REGIONAL for c in codes):
        return True
    if any(c in REGIONAL for c in codes):
        return False
    end = _element(codes, 0)
    while end is not None and end < len(codes) and codes[end] == ZWJ:
        end = _element(codes, end + 1)
    return end == len(codes)
