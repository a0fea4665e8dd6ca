"""The verification entry points, split around the key fetch.

The federation layer calls ``parse_signature`` to learn the key id,
``precheck`` to avoid fetching keys for requests that would fail anyway,
then ``verify_signature`` with the fetched key. None of these raise for
bad input: every failure comes back as a ``VerificationResult``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from .cavage import CavageSignature, parse_cavage, precheck_cavage, verify_cavage
from .keys import VerifyKey
from .message import SignedRequest
from .result import Reason, SignatureRejected, VerificationResult, VerifyPolicy
from .rfc9421 import Rfc9421Signature, parse_rfc9421, precheck_rfc9421, verify_rfc9421

ParsedSignature = CavageSignature | Rfc9421Signature
DEFAULT_POLICY = VerifyPolicy()
_T = TypeVar("_T")


def _guard(action: Callable[[], _T], parsed: ParsedSignature | None) -> _T | VerificationResult:
    key_id = parsed.key_id if parsed is not None else None
    scheme = parsed.scheme if parsed is not None else None
    try:
        return action()
    except SignatureRejected as exc:
        return VerificationResult.failure(exc.reason, exc.reason_detail, key_id=key_id, scheme=scheme)
    except ValueError as exc:
        # Hostile input (a broken URL, undecodable text) must not escape as a 500.
        detail = f"{type(exc).__name__}: {exc}"
        return VerificationResult.failure(Reason.MALFORMED, detail, key_id=key_id, scheme=scheme)


def _pick(request: SignedRequest, label: str | None) -> ParsedSignature:
    if request.header("signature-input") is None:
        return parse_cavage(request)
    signatures = parse_rfc9421(request)
    if label is None:
        return signatures[0]
    for signature in signatures:
        if signature.label == label:
            return signature
    raise SignatureRejected(Reason.NO_SIGNATURE, f"no signature labelled {label!r}")


def parse_signature(request: SignedRequest, *, label: str | None = None) -> ParsedSignature | VerificationResult:
    """Find the signature and its key id without any key.

    RFC 9421 wins when ``Signature-Input`` is present (its ``Signature``
    header is not a draft-cavage one); ``label`` picks one of several.
    """
    return _guard(lambda: _pick(request, label), None)


def list_rfc9421_signatures(request: SignedRequest) -> list[Rfc9421Signature] | VerificationResult:
    return _guard(lambda: parse_rfc9421(request), None)


def precheck(
    request: SignedRequest, parsed: ParsedSignature, *, policy: VerifyPolicy = DEFAULT_POLICY, now: float | None = None
) -> VerificationResult:
    """Coverage, time window and body digest: all a key would not change."""
    moment = time.time() if now is None else now

    def run() -> VerificationResult:
        if isinstance(parsed, CavageSignature):
            precheck_cavage(request, parsed, policy, moment)
        else:
            precheck_rfc9421(request, parsed, policy, moment)
        return VerificationResult.success(parsed.key_id, parsed.scheme)

    return _guard(run, parsed)


def verify_signature(
    request: SignedRequest,
    parsed: ParsedSignature,
    key: VerifyKey,
    *,
    policy: VerifyPolicy = DEFAULT_POLICY,
    now: float | None = None,
    algorithm: str | None = None,
) -> VerificationResult:
    """Full check of ``parsed`` with ``key``; ``algorithm`` is the key's RFC 9421 alg if known."""
    moment = time.time() if now is None else now

    def run() -> VerificationResult:
        if isinstance(parsed, CavageSignature):
            verify_cavage(request, parsed, key, policy, moment)
        else:
            verify_rfc9421(request, parsed, key, policy, moment, algorithm)
        return VerificationResult.success(parsed.key_id, parsed.scheme)

    return _guard(run, parsed)


def verify_request(
    request: SignedRequest,
    key: VerifyKey,
    *,
    policy: VerifyPolicy = DEFAULT_POLICY,
    now: float | None = None,
    label: str | None = None,
    algorithm: str | None = None,
) -> VerificationResult:
    """Parse and verify in one go, for callers that already hold the key."""
    parsed = parse_signature(request, label=label)
    if isinstance(parsed, VerificationResult):
        return parsed
    return verify_signature(request, parsed, key, policy=policy, now=now, algorithm=algorithm)
