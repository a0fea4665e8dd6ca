"""A small nginx configuration parser, and helpers over the parsed tree, for checking docs/nginx.conf."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "nginx.conf"
PUBLIC_NAME = "social.example.test"
PLACEHOLDER_NAME = "example.com"
TIMEOUT = 10.0  # seconds; upper bound for any single network step

# ---------------------------------------------------------------------------
# A tiny nginx configuration parser
# ---------------------------------------------------------------------------


class ConfSyntaxError(ValueError):
    pass


@dataclass
class Directive:
    name: str
    raw_name: str
    args: list[str]  # values with quotes and escapes resolved
    raw_args: list[str]  # the tokens as written, for faithful re-serialisation
    line: int = field(compare=False)
    block: list[Directive] | None = None

    def find(self, name: str) -> list[Directive]:
        return [child for child in self.block or [] if child.name == name]

    def one(self, name: str) -> Directive:
        found = self.find(name)
        assert len(found) == 1, f"expected exactly one {name!r} in {self.describe()}, found {len(found)}"
        return found[0]

    def describe(self) -> str:
        return f"{self.name} {' '.join(self.raw_args)} (line {self.line})".replace("  ", " ")


@dataclass
class Token:
    kind: str  # "word", "{", "}", ";"
    value: str
    raw: str
    line: int


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def tokenize(text: str) -> Iterator[Token]:
    i, line, n = 0, 1, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
            i += 1
        elif char.isspace():
            i += 1
        elif char == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif char in "{};":
            yield Token(char, char, char, line)
            i += 1
        elif char in "\"'":
            start, start_line, value = i, line, []
            i += 1
            while True:
                if i >= n:
                    raise ConfSyntaxError(f"unterminated {char} string starting on line {start_line}")
                current = text[i]
                if current == char:
                    break
                if current == "\\" and i + 1 < n:
                    escaped = text[i + 1]
                    value.append(_ESCAPES.get(escaped, escaped if escaped in "\"'\\" else "\\" + escaped))
                    i += 2
                    continue
                if current == "\n":
                    line += 1
                value.append(current)
                i += 1
            i += 1
            yield Token("word", "".join(value), text[start:i], start_line)
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in ";{}":
                if text.startswith("${", i):  # ${var} is part of the word, not a block
                    close = text.find("}", i)
                    if close < 0:
                        raise ConfSyntaxError(f"unterminated ${{ on line {line}")
                    i = close + 1
                elif text[i] == "\\" and i + 1 < n:
                    i += 2
                else:
                    i += 1
            yield Token("word", text[start:i], text[start:i], line)


def parse(text: str) -> list[Directive]:
    tokens = tokenize(text)

    def parse_block(depth: int) -> list[Directive]:
        directives: list[Directive] = []
        words: list[Token] = []
        for token in tokens:
            if token.kind == "word":
                words.append(token)
                continue
            if token.kind == "}":
                if words:
                    raise ConfSyntaxError(f"missing ';' after {words[0].value!r} on line {words[0].line}")
                if depth == 0:
                    raise ConfSyntaxError(f"unexpected '}}' on line {token.line}")
                return directives
            if not words:
                raise ConfSyntaxError(f"unexpected {token.value!r} on line {token.line}")
            directive = Directive(
                name=words[0].value,
                raw_name=words[0].raw,
                args=[word.value for word in words[1:]],
                raw_args=[word.raw for word in words[1:]],
                line=words[0].line,
            )
            if token.kind == "{":
                directive.block = parse_block(depth + 1)
            directives.append(directive)
            words = []
        if words:
            raise ConfSyntaxError(f"unexpected end of file after {words[0].value!r}")
        if depth:
            raise ConfSyntaxError("unexpected end of file: unbalanced '{'")
        return directives

    return parse_block(0)


def dump(directives: list[Directive], indent: int = 0) -> str:
    pad = "  " * indent
    out: list[str] = []
    for directive in directives:
        head = " ".join([directive.raw_name, *directive.raw_args])
        if directive.block is None:
            out.append(f"{pad}{head};")
        else:
            out.append(f"{pad}{head} {{")
            out.append(dump(directive.block, indent + 1))
            out.append(f"{pad}}}")
    return "\n".join(line for line in out if line)


# --- helpers over the parsed tree ------------------------------------------

_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_TIME_UNITS = {"ms": 0.001, "": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}


def size_bytes(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", value)
    assert match, f"not an nginx size: {value!r}"
    return int(match[1]) * _SIZE_UNITS[match[2].lower()]


def seconds(value: str) -> float:
    total = 0.0
    parts = re.findall(r"(\d+)(ms|[smhdwMy]?)", value)
    assert parts and "".join(n + u for n, u in parts) == value, f"not an nginx time: {value!r}"
    for number, unit in parts:
        total += int(number) * _TIME_UNITS[unit]
    return total


def top(directives: list[Directive], name: str) -> list[Directive]:
    return [d for d in directives if d.name == name]


def listen_port(listen: Directive) -> int:
    return int(listen.args[0].rsplit(":", 1)[-1])


def server_on(conf: list[Directive], port: int) -> Directive:
    servers = [s for s in top(conf, "server") if any(listen_port(directive) == port for directive in s.find("listen"))]
    assert len(servers) == 1, f"expected one server block listening on {port}, found {len(servers)}"
    return servers[0]


def match_location(server: Directive, uri: str) -> Directive:
    """nginx's location selection (exact, longest prefix, ^~, then regexes in order)."""
    exact, prefixes, regexes = None, [], []
    for location in server.find("location"):
        if len(location.args) == 1:
            prefixes.append((location.args[0], False, location))
        elif location.args[0] == "=":
            if location.args[1] == uri:
                exact = location
        elif location.args[0] == "^~":
            prefixes.append((location.args[1], True, location))
        elif location.args[0] in ("~", "~*"):
            flags = re.IGNORECASE if location.args[0] == "~*" else 0
            regexes.append((re.compile(location.args[1], flags), location))
    if exact is not None:
        return exact
    candidates = [p for p in prefixes if uri.startswith(p[0])]
    best = max(candidates, key=lambda p: len(p[0]), default=None)
    if best is not None and best[1]:
        return best[2]
    for pattern, location in regexes:
        if pattern.search(uri):
            return location
    assert best is not None, f"no location matches {uri}"
    return best[2]


def effective(chain: list[Directive], name: str) -> list[Directive]:
    """Directives named `name` in force in the innermost block of `chain`.

    Like nginx, the innermost block that defines any wins outright; outer
    definitions are not merged in (this is what makes a lone proxy_set_header
    in a location silently drop all the server-level ones).
    """
    for block in reversed(chain):
        found = block.find(name)
        if found:
            return found
    return []


def effective_value(chain: list[Directive], name: str) -> list[str] | None:
    found = effective(chain, name)
    return found[-1].args if found else None


def proxy_headers(chain: list[Directive]) -> dict[str, str]:
    return {d.args[0].lower(): d.args[1] for d in effective(chain, "proxy_set_header")}


@pytest.fixture(scope="module")
def conf() -> list[Directive]:
    """docs/nginx.conf, parsed; registered for every test by tests/conftest.py."""
    return parse(EXAMPLE.read_text(encoding="utf-8"))
