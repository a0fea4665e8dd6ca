"""Unicode character classes that Python's ``re`` lacks but Ruby's Onigmo has.

Mastodon's patterns use ``[[:word:]]`` and ``[[:alpha:]]``, which in Ruby
include combining marks. Python's ``\\w`` does not, so without them a hashtag
such as ``#हिन्दी`` would stop after its first letter. The mark ranges are
derived from ``unicodedata`` on first use rather than at import, because the
scan takes a few tens of milliseconds.
"""

from __future__ import annotations

import unicodedata
from functools import cache

# Marks live in planes 0-1 and in the variation-selector block of plane 14;
# scanning only those keeps the one-off cost small.
_SCAN_RANGES = ((0x0000, 0x2FFFF), (0xE0000, 0xE0FFF))


@cache
def marks() -> str:
    """A regex character-class body (no brackets) matching every Unicode mark."""
    pieces: list[str] = []
    for low, high in _SCAN_RANGES:
        start: int | None = None
        for cp in range(low, high + 2):
            is_mark = cp <= high and unicodedata.category(chr(cp)).startswith("M")
            if is_mark and start is None:
                start = cp
            elif not is_mark and start is not None:
                end = cp - 1
                pieces.append(chr(start) if start == end else f"{chr(start)}-{chr(end)}")
                start = None
    return "".join(pieces)


@cache
def word() -> str:
    """Ruby's ``[[:word:]]`` as a class body: letters, digits, marks, underscore."""
    return r"\w" + marks()


@cache
def alpha() -> str:
    """Ruby's ``[[:alpha:]]`` as a group: letters and marks, but no digit or ``_``."""
    return r"(?:[^\W\d_]|[" + marks() + "])"
