"""draft-cavage-http-signatures-12, the scheme the fediverse actually runs on.

Behaviour follows Mastodon's ``SignatureVerification`` where the draft is
vague: a missing ``algorithm`` means ``hs2019``; ``hs2019`` means "whatever
the key is"; ``headers`` defaults to ``(created)`` for hs2019 and ``date``
otherwise; ``(created)``/``(expires)`` are refused with ``rsa-sha256``.
One deliberate difference: the time window is only computed from covered
components, because an uncovered ``created`` parameter can be rewritten
by anyone replaying the request.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
import time
from dataclasses import dataclass
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .digests import DigestCheck, digest_header, verify_digest_header
from .keys import VerifyKey, sign_bytes, verify_bytes
from .message import HeaderInput, SignedRequest
from .result import Reason, SignatureRejected, VerifyPolicy, check_time_window

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_SUPPORTED = frozenset({"rsa-sha256", "hs2019", "ed25519"})
_TIMESTAMP = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")
_TCHAR = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")


@dataclass(frozen=True)
class CavageSignature:
    key_id: str
    algorithm: str | None
    headers: tuple[str, ...]
    signature: bytes
    created: str | None = None
    expires: str | None = None
    scheme: Literal["cavage"] = "cavage"


def _malformed(detail: str) -> SignatureRejected:
    return SignatureRejected(Reason.MALFORMED, detail)


def parse_signature_params(value: str) -> dict[str, str]:
    """Split ``keyId="a",headers="b c",...`` into a dict with lower-case keys.

    Quoted values may contain commas and backslash escapes; bare values
    (``created=1402170695``) run to the next comma. Old node-http-signature
    prefixes the value with ``Signature ``, which Mastodon tolerates too.
    """
    text = value.strip()
    if text[:10].lower() == "signature ":
        text = text[10:]
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        if text[pos] in ", \t":
            pos += 1
            continue
        start = pos
        while pos < len(text) and text[pos] in _TCHAR:
            pos += 1
        name = text[start:pos].lower()
        pos = _skip_space(text, pos)
        if not name or pos >= len(text) or text[pos] != "=":
            raise _malformed(f"expected name=value at offset {start}")
        pos = _skip_space(text, pos + 1)
        param_value, pos = _read_value(text, pos)
        if name in params:
            raise _malformed(f"duplicate signature parameter {name!r}")
        params[name] = param_value
        pos = _skip_space(text, pos)
        if pos < len(text) and text[pos] != ",":
            raise _malformed(f"expected ',' at offset {pos}")
    return params


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _read_value(text: str, pos: int) -> tuple[str, int]:
    if pos < len(text) and text[pos] == '"':
        end = text.find('"', pos + 1)
        if end != -1 and "\\" not in text[pos + 1 : end]:
            # The usual value has no escapes: slice it (the loop below costs more than an RSA verify).
            return text[pos + 1 : end], end + 1
        out: list[str] = []
        pos += 1
        while pos < len(text):
            char = text[pos]
            if char == "\\" and pos + 1 < len(text):
                out.append(text[pos + 1])
                pos += 2
            elif char == '"':
                return "".join(out), pos + 1
            else:
                out.append(char)
                pos += 1
        raise _malformed("unterminated quoted value")
    start = pos
    while pos < len(text) and text[pos] not in ", \t":
        pos += 1
    return text[start:pos], pos


def signature_header_value(request: SignedRequest) -> str | None:
    value = request.header("signature")
    if value is not None:
        return value
    authorization = request.header("authorization")
    if authorization is not None and authorization[:10].lower() == "signature ":
        return authorization[10:]
    return None


def parse_cavage(request: SignedRequest) -> CavageSignature:
    """Read the ``Signature`` (or ``Authorization: Signature``) header; no keys needed."""
    value = signature_header_value(request)
    if value is None:
        raise SignatureRejected(Reason.NO_SIGNATURE, "no Signature header")
    params = parse_signature_params(value)
    key_id, encoded = params.get("keyid"), params.get("signature")
    if not key_id or not encoded:
        raise _malformed("keyId and signature are required")
    algorithm = params["algorithm"].lower() if "algorithm" in params else None
    if algorithm is not None and algorithm not in _SUPPORTED:
        raise SignatureRejected(Reason.UNSUPPORTED_ALGORITHM, f"algorithm {algorithm!r}")
    try:
        signature = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise _malformed("signature is not base64") from None
    default = "date" if algorithm == "rsa-sha256" else "(created)"
    headers = tuple(params.get("headers", default).lower().split())
    if not headers:
        raise _malformed("empty headers list")
    return CavageSignature(key_id, algorithm, headers, signature, params.get("created"), params.get("expires"))


def _pseudo_value(sig: CavageSignature, name: str) -> str:
    value = sig.created if name == "(created)" else sig.expires
    if sig.algorithm is not None and sig.algorithm.startswith("rsa"):
        raise _malformed(f"{name} may not be used with {sig.algorithm}")
    if value is None:
        raise _malformed(f"{name} is covered but the parameter is missing")
    return value


def signing_string(request: SignedRequest, sig: CavageSignature, *, include_query: bool = True) -> str:
    lines: list[str] = []
    for name in sig.headers:
        if name == "(request-target)":
            target = request.request_target if include_query else request.path
            value: str | None = f"{request.method.lower()} {target}"
        elif name in ("(created)", "(expires)"):
            value = _pseudo_value(sig, name)
        elif name == "host":
            value = request.header("host") or request.authority
        else:
            value = request.header(name)
        if value is None:
            raise SignatureRejected(Reason.MISSING_COMPONENT, f"covered header {name!r} is absent")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def _timestamp(value: str, what: str) -> float:
    # A plain pattern rather than float(): "nan" or "inf" would slip past the window.
    if not _TIMESTAMP.fullmatch(value):
        raise _malformed(f"{what} is not a timestamp: {value!r}")
    return float(value)


def _http_date(value: str) -> float:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise _malformed(f"unparsable Date header {value!r}") from None
    if moment.tzinfo is None:
        # "-0000" means UTC with unknown origin; never fall back to local time.
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _check_required(request: SignedRequest, sig: CavageSignature) -> None:
    covered = set(sig.headers)
    needed = ["(request-target)", "host"]
    if not covered & {"date", "(created)"}:
        needed.append("date")
    if request.method in BODY_METHODS or request.body:
        needed.append("digest")
    missing = [name for name in needed if name not in covered]
    if missing:
        raise SignatureRejected(Reason.MISSING_COMPONENT, f"signature must cover {', '.join(missing)}")


def precheck_cavage(request: SignedRequest, sig: CavageSignature, policy: VerifyPolicy, now: float) -> None:
    """Everything that needs no key: coverage, time window and body digest."""
    if policy.require_components:
        _check_required(request, sig)
    covered = set(sig.headers)
    created = expires = None
    if "(created)" in covered:
        created = _timestamp(_pseudo_value(sig, "(created)"), "created")
    elif "date" in covered or not policy.require_components:
        date = request.header("date")
        created = _http_date(date) if date is not None else None
    if "(expires)" in covered:
        expires = _timestamp(_pseudo_value(sig, "(expires)"), "expires")
    check_time_window(created, expires, now, policy)
    if "digest" in covered:
        _check_digest(request)
    # Building the string finds absent headers before anyone fetches a key.
    signing_string(request, sig)


def _check_digest(request: SignedRequest) -> None:
    value = request.header("digest")
    if value is None:
        raise SignatureRejected(Reason.MISSING_COMPONENT, "Digest is covered but absent")
    outcome = verify_digest_header(value, request.body)
    if outcome is DigestCheck.MALFORMED:
        raise _malformed(f"unparsable Digest {value!r}")
    if outcome is not DigestCheck.MATCH:
        raise SignatureRejected(Reason.DIGEST_MISMATCH, f"Digest {outcome.value} for the body")


def _key_algorithm(sig: CavageSignature, key: VerifyKey) -> str:
    if isinstance(key, rsa.RSAPublicKey) and sig.algorithm in (None, "hs2019", "rsa-sha256"):
        return "rsa-v1_5-sha256"
    if isinstance(key, Ed25519PublicKey) and sig.algorithm in (None, "hs2019", "ed25519"):
        return "ed25519"
    raise SignatureRejected(Reason.UNSUPPORTED_ALGORITHM, f"{sig.algorithm} with a {type(key).__name__}")


def verify_cavage(
    request: SignedRequest, sig: CavageSignature, key: VerifyKey, policy: VerifyPolicy, now: float
) -> None:
    """Raise ``SignatureRejected`` unless ``sig`` is valid for ``request`` and ``key``."""
    precheck_cavage(request, sig, policy, now)
    algorithm = _key_algorithm(sig, key)
    if verify_bytes(algorithm, key, signing_string(request, sig).encode(), sig.signature):
        return
    retry = policy.allow_target_without_query and request.query and "(request-target)" in sig.headers
    if retry:
        legacy = signing_string(request, sig, include_query=False).encode()
        if verify_bytes(algorithm, key, legacy, sig.signature):
            return
    raise SignatureRejected(Reason.BAD_SIGNATURE, "signature does not match the signing string")


def sign_cavage(
    method: str,
    url: str,
    headers: HeaderInput,
    body: bytes,
    key_id: str,
    private_key: rsa.RSAPrivateKey | Ed25519PrivateKey,
    *,
    now: float | None = None,
) -> dict[str, str]:
    """Headers to add so that Mastodon-compatible servers accept the request.

    Returns ``Date`` (when missing), ``Digest`` (for bodies and body
    methods) and ``Signature``. RSA keys are labelled ``rsa-sha256`` as
    Mastodon does; Ed25519 keys are labelled ``hs2019``.
    """
    request = SignedRequest.build(method, url, headers, body)
    added: dict[str, str] = {}
    if request.header("date") is None:
        added["Date"] = formatdate(time.time() if now is None else now, usegmt=True)
    covered = ["(request-target)", "host", "date"]
    if body or request.method in BODY_METHODS:
        added["Digest"] = digest_header(body)
        covered.append("digest")
        if request.header("content-type") is not None:
            covered.append("content-type")
    is_rsa = isinstance(private_key, rsa.RSAPrivateKey)
    algorithm = "rsa-sha256" if is_rsa else "hs2019"
    sig = CavageSignature(key_id, algorithm, tuple(covered), b"")
    text = signing_string(request.with_headers(added), sig).encode()
    raw = sign_bytes("rsa-v1_5-sha256" if is_rsa else "ed25519", private_key, text)
    encoded = base64.b64encode(raw).decode("ascii")
    added["Signature"] = (
        f'keyId="{_quote(key_id)}",algorithm="{algorithm}",headers="{" ".join(covered)}",signature="{encoded}"'
    )
    return added


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
