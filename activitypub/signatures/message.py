"""The transport-neutral view of an HTTP message that signatures are checked on.

Callers adapt Starlette or httpx messages into a ``SignedRequest`` so that
the signature code never touches a socket or a framework object. The URL
must carry the path and query exactly as they appeared on the wire: any
re-encoding by a framework breaks ``(request-target)`` and ``@path``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

HeaderInput = Mapping[str, str] | Iterable[tuple[str, str]]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_headers(headers: HeaderInput) -> tuple[tuple[str, str], ...]:
    """Lower-case names and trim values, keeping every field line in order.

    Repeated field lines are kept apart because RFC 9421 ``;bs`` and the
    combination order both depend on them.
    """
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return tuple((name.strip().lower(), value.strip(" \t")) for name, value in pairs)


@dataclass(frozen=True)
class SignedRequest:
    """An HTTP message to sign or verify.

    ``status`` is set when the message is a response (RFC 9421 ``@status``);
    ``request`` is then the request it answers, for components marked ``;req``.
    """

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    status: int | None = None
    request: SignedRequest | None = None

    @classmethod
    def build(
        cls,
        method: str,
        url: str,
        headers: HeaderInput = (),
        body: bytes = b"",
        *,
        status: int | None = None,
        request: SignedRequest | None = None,
    ) -> SignedRequest:
        return cls(method.upper(), url, normalize_headers(headers), body, status, request)

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key == wanted]

    def header(self, name: str) -> str | None:
        """All field lines of ``name`` joined as RFC 9110 5.3 combines them."""
        values = self.header_values(name)
        return ", ".join(values) if values else None

    def with_headers(self, extra: HeaderInput) -> SignedRequest:
        """A copy where each header in ``extra`` replaces any existing lines."""
        added = normalize_headers(extra)
        names = {name for name, _ in added}
        kept = tuple(pair for pair in self.headers if pair[0] not in names)
        return replace(self, headers=kept + added)

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme.lower()

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def query(self) -> str:
        return urlsplit(self.url).query

    @property
    def request_target(self) -> str:
        """Path and query as in the request line (origin-form)."""
        query = self.query
        return self.path + ("?" + query if query or self.url.endswith("?") else "")

    @property
    def authority(self) -> str:
        """Host and non-default port, lower-cased, as RFC 9421 2.2.3 wants."""
        return url_authority(self.url)


def url_authority(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"
