"""RFC 8941 structured field values: the subset HTTP signatures need.

RFC 9421 and RFC 9530 carry everything in structured fields, and the
signature base must re-serialise them byte for byte, so both directions
are implemented here rather than approximated with regular expressions.
"""

from __future__ import annotations

import base64
import binascii
import string
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from activitypub.errors import BadRequest


class StructuredFieldError(BadRequest):
    """A field value that RFC 8941 says must be rejected as a whole."""

    default_message = "Malformed structured header field"


class Token(str):
    """An sf-token; kept apart from sf-string because they serialise differently."""

    __slots__ = ()


BareItem = int | Decimal | str | bytes | bool
Params = dict[str, BareItem]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Params = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = field(default_factory=dict)


Member = Item | InnerList

_LCALPHA = string.ascii_lowercase
_KEY_CHARS = frozenset(_LCALPHA + string.digits + "_-.*")
_TCHAR = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
_TOKEN_CHARS = _TCHAR | {":", "/"}
_B64_CHARS = frozenset(string.ascii_letters + string.digits + "+/=")


class _Parser:
    """A cursor over one field value; every method follows RFC 8941 section 4.2."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def fail(self, what: str) -> StructuredFieldError:
        return StructuredFieldError(detail=f"{what} at offset {self.pos} in {self.text!r}")

    def skip_sp(self) -> None:
        while self.peek() == " ":
            self.pos += 1

    def skip_ows(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def list_separator(self) -> bool:
        """Consume ``OWS , OWS`` between members; False once the field is done."""
        self.skip_ows()
        if self.at_end():
            return False
        if self.peek() != ",":
            raise self.fail("expected ','")
        self.pos += 1
        self.skip_ows()
        if self.at_end():
            raise self.fail("trailing comma")
        return True

    def parse_list(self) -> list[Member]:
        members: list[Member] = []
        while not self.at_end():
            members.append(self.parse_member())
            if not self.list_separator():
                break
        return members

    def parse_dictionary(self) -> dict[str, Member]:
        members: dict[str, Member] = {}
        while not self.at_end():
            key = self.parse_key()
            if self.peek() == "=":
                self.pos += 1
                members[key] = self.parse_member()
            else:
                members[key] = Item(True, self.parse_params())
            if not self.list_separator():
                break
        return members

    def parse_member(self) -> Member:
        return self.parse_inner_list() if self.peek() == "(" else self.parse_item()

    def parse_inner_list(self) -> InnerList:
        self.pos += 1
        items: list[Item] = []
        while not self.at_end():
            self.skip_sp()
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.parse_params())
            items.append(self.parse_item())
            if self.peek() not in (" ", ")"):
                raise self.fail("expected SP or ')' in inner list")
        raise self.fail("unterminated inner list")

    def parse_item(self) -> Item:
        value = self.parse_bare_item()
        return Item(value, self.parse_params())

    def parse_params(self) -> Params:
        params: Params = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip_sp()
            key = self.parse_key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.parse_bare_item()
            params[key] = value
        return params

    def parse_key(self) -> str:
        start = self.pos
        if not self.peek() or self.peek() not in _LCALPHA + "*":
            raise self.fail("expected key")
        while self.peek() and self.peek() in _KEY_CHARS:
            self.pos += 1
        return self.text[start : self.pos]

    def parse_bare_item(self) -> BareItem:
        char = self.peek()
        if char == "-" or char.isdigit() and char.isascii():
            return self.parse_number()
        if char == '"':
            return self.parse_string()
        if char == "*" or char.isascii() and char.isalpha():
            return self.parse_token()
        if char == ":":
            return self.parse_bytes()
        if char == "?":
            return self.parse_boolean()
        raise self.fail("unknown bare item")

    def parse_number(self) -> int | Decimal:
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        digits_start = self.pos
        while self.peek().isdigit() and self.peek().isascii() or self.peek() == ".":
            self.pos += 1
        body = self.text[digits_start : self.pos]
        if not body or not body[0].isdigit():
            raise self.fail("expected digit")
        if "." not in body:
            if len(body) > 15:
                raise self.fail("integer too long")
            return int(self.text[start : self.pos])
        whole, _, frac = body.partition(".")
        if len(whole) > 12 or not 1 <= len(frac) <= 3 or "." in frac:
            raise self.fail("bad decimal")
        return Decimal(self.text[start : self.pos])

    def parse_string(self) -> str:
        self.pos += 1
        out: list[str] = []
        while not self.at_end():
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\") or not escaped:
                    raise self.fail("bad escape in string")
                out.append(escaped)
                self.pos += 1
            elif char == '"':
                return "".join(out)
            elif not " " <= char <= "~":
                raise self.fail("non-printable character in string")
            else:
                out.append(char)
        raise self.fail("unterminated string")

    def parse_token(self) -> Token:
        start = self.pos
        self.pos += 1
        while self.peek() and self.peek() in _TOKEN_CHARS:
            self.pos += 1
        return Token(self.text[start : self.pos])

    def parse_bytes(self) -> bytes:
        end = self.text.find(":", self.pos + 1)
        if end < 0:
            raise self.fail("unterminated byte sequence")
        encoded = self.text[self.pos + 1 : end]
        if not set(encoded) <= _B64_CHARS:
            raise self.fail("bad base64 character")
        self.pos = end + 1
        # RFC 8941 4.2.7 asks parsers to tolerate missing '=' padding.
        if "=" not in encoded:
            encoded += "=" * (-len(encoded) % 4)
        try:
            return base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise self.fail(f"bad base64 ({exc})") from None

    def parse_boolean(self) -> bool:
        self.pos += 1
        char = self.peek()
        if char not in ("0", "1") or not char:
            raise self.fail("bad boolean")
        self.pos += 1
        return char == "1"


def _run(text: str) -> _Parser:
    # Field values are ASCII text; anything else is rejected up front.
    if not text.isascii():
        raise StructuredFieldError(detail=f"non-ASCII field value {text!r}")
    return _Parser(text.strip(" "))


def _finish(parser: _Parser) -> None:
    parser.skip_sp()
    if not parser.at_end():
        raise parser.fail("trailing characters")


def parse_dictionary(text: str) -> dict[str, Member]:
    parser = _run(text)
    result = parser.parse_dictionary()
    _finish(parser)
    return result


def parse_list(text: str) -> list[Member]:
    parser = _run(text)
    result = parser.parse_list()
    _finish(parser)
    return result


def parse_item(text: str) -> Item:
    parser = _run(text)
    result = parser.parse_item()
    _finish(parser)
    return result


def serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > 999_999_999_999_999:
            raise StructuredFieldError(detail=f"integer out of range: {value}")
        return str(value)
    if isinstance(value, Decimal):
        return _serialize_decimal(value)
    if isinstance(value, Token):
        if not value or value[0] not in string.ascii_letters + "*" or not set(value) <= _TOKEN_CHARS:
            raise StructuredFieldError(detail=f"invalid token {value!r}")
        return str(value)
    if isinstance(value, str):
        if not all(" " <= char <= "~" for char in value):
            raise StructuredFieldError(detail=f"string not serialisable: {value!r}")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return ":" + base64.b64encode(value).decode("ascii") + ":"


def _serialize_decimal(value: Decimal) -> str:
    rounded = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    whole, _, frac = f"{abs(rounded):f}".partition(".")
    if len(whole) > 12:
        raise StructuredFieldError(detail=f"decimal out of range: {value}")
    frac = frac.rstrip("0") or "0"
    return ("-" if rounded < 0 else "") + f"{whole}.{frac}"


def serialize_params(params: Params) -> str:
    out: list[str] = []
    for key, value in params.items():
        _check_key(key)
        out.append(f";{key}" if value is True else f";{key}={serialize_bare_item(value)}")
    return "".join(out)


def serialize_member(member: Member) -> str:
    if isinstance(member, InnerList):
        inner = " ".join(serialize_member(item) for item in member.items)
        return f"({inner}){serialize_params(member.params)}"
    return serialize_bare_item(member.value) + serialize_params(member.params)


def serialize_list(members: list[Member]) -> str:
    return ", ".join(serialize_member(member) for member in members)


def serialize_dictionary(members: dict[str, Member]) -> str:
    out: list[str] = []
    for key, member in members.items():
        _check_key(key)
        if isinstance(member, Item) and member.value is True:
            out.append(key + serialize_params(member.params))
        else:
            out.append(f"{key}={serialize_member(member)}")
    return ", ".join(out)


def _check_key(key: str) -> None:
    if not key or key[0] not in _LCALPHA + "*" or not set(key) <= _KEY_CHARS:
        raise StructuredFieldError(detail=f"invalid key {key!r}")
