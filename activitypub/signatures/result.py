"""Outcome and policy types shared by both signature schemes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

from activitypub.errors import Unauthorized

Scheme = Literal["cavage", "rfc9421"]


class Reason(Enum):
    OK = "ok"
    NO_SIGNATURE = "no_signature"
    MALFORMED = "malformed"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    MISSING_COMPONENT = "missing_component"
    EXPIRED = "expired"
    DIGEST_MISMATCH = "digest_mismatch"
    BAD_SIGNATURE = "bad_signature"
    # The two below are decided by the federation layer, which fetches keys
    # and knows actors; they live here so there is one vocabulary of reasons.
    KEY_FETCH_FAILED = "key_fetch_failed"
    OWNER_MISMATCH = "owner_mismatch"


class SignatureRejected(Unauthorized):
    """Raised inside the verifiers and turned into a ``VerificationResult``.

    Also what ``VerificationResult.raise_for_failure`` raises, so an
    endpoint can answer 401 through the normal error path.
    """

    default_message = "HTTP signature verification failed"

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail=f"{reason.value}: {detail}")
        self.reason = reason
        self.reason_detail = detail


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    reason: Reason
    key_id: str | None = None
    scheme: Scheme | None = None
    detail: str = ""

    @classmethod
    def success(cls, key_id: str, scheme: Scheme) -> VerificationResult:
        return cls(True, Reason.OK, key_id, scheme, "")

    @classmethod
    def failure(
        cls, reason: Reason, detail: str, *, key_id: str | None = None, scheme: Scheme | None = None
    ) -> VerificationResult:
        return cls(False, reason, key_id, scheme, detail)

    def raise_for_failure(self) -> None:
        if not self.ok:
            raise SignatureRejected(self.reason, self.detail)


@dataclass(frozen=True)
class VerifyPolicy:
    """What a verifier insists on. Defaults copy Mastodon 4.x.

    Mastodon (``SignatureVerification``): a signature is "created" at
    ``(created)`` or the ``Date`` header; it lives until ``expires`` or
    five minutes after creation, never more than 12 hours; one hour of
    clock skew is allowed both ways (``CLOCK_SKEW_MARGIN``).
    """

    clock_skew: float = 3600.0
    default_lifetime: float = 300.0
    max_lifetime: float = 12 * 3600.0
    # Off only for spec test vectors that sign a bare minimum.
    require_components: bool = True
    # Mastodon before 4.2 left the query out of (request-target); accept
    # such signatures as Mastodon itself still does.
    allow_target_without_query: bool = True


RELAXED_POLICY = VerifyPolicy(require_components=False)


def check_time_window(created: float | None, expires: float | None, now: float, policy: VerifyPolicy) -> None:
    """Raise ``EXPIRED`` when the signature is from the future or too old."""
    if created is not None and created > now + policy.clock_skew:
        raise SignatureRejected(Reason.EXPIRED, f"signature created {created - now:.0f}s in the future")
    if created is None:
        if expires is not None and now > expires + policy.clock_skew:
            raise SignatureRejected(Reason.EXPIRED, f"signature expired {now - expires:.0f}s ago")
        return
    limit = created + policy.max_lifetime
    end = min(expires if expires is not None else created + policy.default_lifetime, limit)
    if now > end + policy.clock_skew:
        raise SignatureRejected(Reason.EXPIRED, f"signature expired {now - end:.0f}s ago")
