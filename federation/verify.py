"""The HTTP signature of an incoming request, checked down to the remote actor that made it.

The pipeline (Mastodon's ``SignatureVerification``, with Fedify's reasons):

1. parse the signature (draft-cavage or RFC 9421) to learn the key id;
2. precheck what needs no key: covered components, time window, digest,
   so an expired or tampered request never makes us fetch anything;
3. find the key: the stored actor with that key id, fetched if unknown;
4. verify; on failure with a stored key, refetch it ONCE (the actor may
   have rotated its key) and verify again; then give up.

Every failure comes back as a ``VerificationResult`` with a reason, and is
logged with that reason; nothing here raises for bad input.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from activitypub.errors import Gone, RemoteError
from activitypub.signatures import (
    DEFAULT_POLICY,
    InvalidKey,
    ParsedSignature,
    PublicKey,
    Reason,
    SignedRequest,
    VerificationResult,
    VerifyPolicy,
    load_public_key_pem,
    parse_signature,
    precheck,
    verify_signature,
)
from federation.actors import RemoteActors
from storage.clock import utcnow
from storage.models import Account

log = logging.getLogger(__name__)

# Reasons a fresher copy of the key could fix.
_KEY_REASONS = frozenset({Reason.BAD_SIGNATURE, Reason.UNSUPPORTED_ALGORITHM, Reason.KEY_FETCH_FAILED})


@dataclass(frozen=True)
class InboundSignature:
    """The verification result and, when it succeeded, the actor owning the key."""

    result: VerificationResult
    signer: Account | None = None

    @property
    def ok(self) -> bool:
        return self.result.ok and self.signer is not None


def signed_request(method: str, base_url: str, raw_target: str, headers: list[tuple[str, str]], body: bytes) -> SignedRequest:
    """The request as the sender signed it.

    The URL is our public origin plus the path and query exactly as they
    came on the wire; headers (``Host`` included) are taken as sent, since
    they are what the sender covered.
    """
    return SignedRequest.build(method, base_url.rstrip("/") + raw_target, headers, body)


@functools.lru_cache(maxsize=1024)
def _public_key(pem: str) -> PublicKey:
    # Parsing a PEM costs more than an RSA verify; actors send many requests.
    return load_public_key_pem(pem)


def _check(
    request: SignedRequest, parsed: ParsedSignature, signer: Account, policy: VerifyPolicy, now: float | None
) -> VerificationResult:
    if not signer.public_key_pem:
        return VerificationResult.failure(
            Reason.KEY_FETCH_FAILED, f"{signer.uri} publishes no key", key_id=parsed.key_id, scheme=parsed.scheme
        )
    try:
        key = _public_key(signer.public_key_pem)
    except InvalidKey as exc:
        return VerificationResult.failure(
            Reason.KEY_FETCH_FAILED, f"unusable key: {exc.detail}", key_id=parsed.key_id, scheme=parsed.scheme
        )
    return verify_signature(request, parsed, key, policy=policy, now=now)


async def _find_key(actors: RemoteActors, parsed: ParsedSignature, refresh: bool) -> Account | VerificationResult:
    try:
        return await actors.key_for(parsed.key_id, refresh=refresh)
    except (RemoteError, Gone) as exc:
        detail = f"{type(exc).__name__}: {exc}"
        return VerificationResult.failure(Reason.KEY_FETCH_FAILED, detail, key_id=parsed.key_id, scheme=parsed.scheme)


async def verify_inbound(
    request: SignedRequest,
    actors: RemoteActors,
    *,
    policy: VerifyPolicy = DEFAULT_POLICY,
    now: float | None = None,
    parsed: ParsedSignature | VerificationResult | None = None,
) -> InboundSignature:
    """Verify ``request``'s signature, fetching or refreshing the key as needed.

    ``parsed`` is ``parse_signature(request)`` when the caller already did it.
    """
    parsed = parse_signature(request) if parsed is None else parsed
    if isinstance(parsed, VerificationResult):
        return _rejected(request, parsed)
    checked = precheck(request, parsed, policy=policy, now=now)
    if not checked.ok:
        return _rejected(request, checked)
    started = utcnow()
    found = await _find_key(actors, parsed, refresh=False)
    if isinstance(found, VerificationResult):
        return _rejected(request, found)
    result = _check(request, parsed, found, policy, now)
    just_fetched = found.fetched_at is not None and found.fetched_at >= started
    if not result.ok and result.reason in _KEY_REASONS and not just_fetched:
        refreshed = await _find_key(actors, parsed, refresh=True)
        if isinstance(refreshed, VerificationResult):
            return _rejected(request, refreshed)
        found, result = refreshed, _check(request, parsed, refreshed, policy, now)
    if not result.ok:
        return _rejected(request, result)
    return InboundSignature(result, found)


def _rejected(request: SignedRequest, result: VerificationResult) -> InboundSignature:
    log.info(
        "signature rejected",
        extra={
            "reason": result.reason.value,
            "key_id": result.key_id,
            "scheme": result.scheme,
            "detail": result.detail,
            "method": request.method,
            "path": request.path,
        },
    )
    return InboundSignature(result)
