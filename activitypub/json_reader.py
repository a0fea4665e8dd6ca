"""Reading JSON that someone else wrote: one reader, with limits, for every entry point.

``json.loads`` recurses once per level of nesting, so six kilobytes of
``[[[…]]]`` raise ``RecursionError`` from deep in the C scanner, and that is
no ``ValueError``: an ``except ValueError`` around the parse lets it through
as a 500. So the nesting is measured first, by a scan that does not recurse
and runs in linear time, and only a document within the limit reaches the
parser. The checks, cheapest first, each with its own ``Rejection``:

1. longer than ``max_bytes`` (when given; characters for a ``str``): ``TOO_LARGE``;
2. bytes that are not UTF-8 (RFC 8259 §8.1; no UTF-16 guessing): ``NOT_UNICODE``;
3. arrays and objects nested deeper than ``max_depth``: ``TOO_DEEP``;
4. not JSON, including ``NaN``, ``Infinity``, a number that overflows to
   infinity (``1e400``) and an integer over Python's digit limit: ``NOT_JSON``;
5. a lone surrogate (``\\ud800`` without its pair), which no UTF-8 database
   column can hold: ``NOT_UNICODE``;
6. a NUL character (``\\u0000``), which a PostgreSQL text column cannot
   hold: ``NUL_CHARACTER``.

Every refusal is one ``UntrustedJsonError`` (a ``ValueError``) carrying the
``Rejection``; callers map it to their own error (400 for a request body, a
permanent failure for a remote document). This module imports nothing of ours.
"""

from __future__ import annotations

import enum
import json
import math
import re
from itertools import accumulate
from typing import Any, Final

__all__ = ["DEFAULT_MAX_DEPTH", "Rejection", "UntrustedJsonError", "loads_untrusted", "nesting_depth"]

DEFAULT_MAX_DEPTH: Final = 64

# A string literal, or an unterminated one up to the end: matching the unterminated case too keeps
# the scan linear, since a failed match would otherwise be retried from every later quote.
_STRING: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET: Final = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP: Final = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE: Final = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")
# An escape that is not itself escaped: after an even run of backslashes ("\\u0000" is text).
_NUL_ESCAPE: Final = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


class Rejection(enum.Enum):
    TOO_LARGE = "too large"
    NOT_UNICODE = "not valid Unicode"
    TOO_DEEP = "nested too deeply"
    NOT_JSON = "not JSON"
    NUL_CHARACTER = "holds a NUL character"


class UntrustedJsonError(ValueError):
    """The document was refused; ``reason`` says why, the message adds detail for logs."""

    def __init__(self, reason: Rejection, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason


def loads_untrusted(
    data: bytes | str, *, max_depth: int = DEFAULT_MAX_DEPTH, max_bytes: int | None = None
) -> Any:
    """Parse ``data`` as JSON within the limits, or raise ``UntrustedJsonError``."""
    if max_bytes is not None and len(data) > max_bytes:
        raise UntrustedJsonError(Rejection.TOO_LARGE, f"{len(data)} over {max_bytes}")
    text = _decoded(data)
    # Fewer brackets than the limit cannot nest beyond it, whatever the strings hold.
    depth = 0 if text.count("[") + text.count("{") <= max_depth else nesting_depth(text)
    if depth > max_depth:
        raise UntrustedJsonError(Rejection.TOO_DEEP, f"{depth} levels, at most {max_depth}")
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ValueError as exc:  # JSONDecodeError, the int digit limit, and our own refusals
        raise UntrustedJsonError(Rejection.NOT_JSON, str(exc)) from None
    if _SURROGATE.search(text) and _has_lone_surrogate(document):
        raise UntrustedJsonError(Rejection.NOT_UNICODE, "an unpaired surrogate")
    if _NUL_ESCAPE.search(text):  # raw NUL bytes are control characters, which json.loads refuses
        raise UntrustedJsonError(Rejection.NUL_CHARACTER, "a \\u0000 escape")
    return document


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest outside string literals, counted without recursion.

    Exact for valid JSON. For invalid JSON it is at least the depth the parser
    reaches before it gives up, which is all the limit needs.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def _decoded(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UntrustedJsonError(Rejection.NOT_UNICODE, str(exc)) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"{literal[:40]} is out of range")
    return value


def _has_lone_surrogate(document: Any) -> bool:
    # Only reached when the text has a surrogate: paired ones (emoji from an ASCII-only
    # encoder) are common and fine, so the parsed strings are checked, keys included.
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
