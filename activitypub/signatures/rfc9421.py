"""RFC 9421 HTTP Message Signatures: parse, check, verify and sign.

Fedify and Mastodon 4.4+ speak this alongside draft-cavage. The verifier
picks the algorithm from the ``alg`` parameter, else from the caller (who
knows the key's algorithm), else from the key type.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .digests import DigestCheck, verify_content_digest
from .keys import ALGORITHMS, SigningKey, VerifyKey, default_algorithm, sign_bytes, verify_bytes
from .message import SignedRequest
from .result import Reason, SignatureRejected, VerifyPolicy, check_time_window
from .rfc9421_components import check_components, component_name, signature_base
from .structured import (
    BareItem,
    InnerList,
    Item,
    Params,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_dictionary,
)

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class Rfc9421Signature:
    label: str
    signature_input: InnerList
    signature: bytes
    key_id: str
    algorithm: str | None
    created: int | None
    expires: int | None
    scheme: Literal["rfc9421"] = "rfc9421"

    @property
    def covered(self) -> tuple[Item, ...]:
        return self.signature_input.items


def _malformed(detail: str) -> SignatureRejected:
    return SignatureRejected(Reason.MALFORMED, detail)


def _string_param(params: Params, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or isinstance(value, Token):
        raise _malformed(f"signature parameter {name} must be a string")
    return value


def _int_param(params: Params, name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _malformed(f"signature parameter {name} must be an integer")
    return value


def parse_rfc9421(request: SignedRequest) -> list[Rfc9421Signature]:
    """Every signature in ``Signature-Input``/``Signature``, in header order."""
    raw_input, raw_signature = request.header("signature-input"), request.header("signature")
    if raw_input is None:
        raise SignatureRejected(Reason.NO_SIGNATURE, "no Signature-Input header")
    if raw_signature is None:
        raise _malformed("Signature-Input without Signature")
    try:
        inputs, signatures = parse_dictionary(raw_input), parse_dictionary(raw_signature)
    except StructuredFieldError as exc:
        raise _malformed(f"unparsable signature fields: {exc.detail}") from None
    found = [_one(label, member, signatures.get(label)) for label, member in inputs.items()]
    if not found:
        raise _malformed("Signature-Input is empty")
    return found


def _one(label: str, member: object, signature: object) -> Rfc9421Signature:
    if not isinstance(member, InnerList):
        raise _malformed(f"Signature-Input {label} is not an inner list")
    if not isinstance(signature, Item) or not isinstance(signature.value, bytes):
        raise _malformed(f"Signature {label} is missing or not a byte sequence")
    check_components(member)
    params = member.params
    key_id = _string_param(params, "keyid")
    if not key_id:
        raise _malformed(f"signature {label} has no keyid")
    algorithm = _string_param(params, "alg")
    if algorithm is not None and algorithm not in ALGORITHMS:
        raise SignatureRejected(Reason.UNSUPPORTED_ALGORITHM, f"alg {algorithm!r}")
    created, expires = _int_param(params, "created"), _int_param(params, "expires")
    return Rfc9421Signature(label, member, signature.value, key_id, algorithm, created, expires)


def _covered_names(sig: Rfc9421Signature) -> set[str]:
    # Components taken from the related request (;req) say nothing about this message.
    return {component_name(item) for item in sig.covered if "req" not in item.params}


def _check_required(request: SignedRequest, sig: Rfc9421Signature, names: set[str]) -> None:
    missing: list[str] = []
    if sig.created is None:
        missing.append("created parameter")
    if request.status is None:
        if "@method" not in names:
            missing.append("@method")
        if "@target-uri" not in names and not ("@authority" in names and names & {"@path", "@request-target"}):
            missing.append("@target-uri or @authority and @path")
    if (request.body or request.method in _BODY_METHODS) and "content-digest" not in names:
        missing.append("content-digest")
    if missing:
        raise SignatureRejected(Reason.MISSING_COMPONENT, f"signature must cover {', '.join(missing)}")


def precheck_rfc9421(request: SignedRequest, sig: Rfc9421Signature, policy: VerifyPolicy, now: float) -> None:
    """Everything that needs no key: coverage, time window and Content-Digest."""
    names = _covered_names(sig)
    if policy.require_components:
        _check_required(request, sig, names)
    check_time_window(sig.created, sig.expires, now, policy)
    if "content-digest" in names:
        value = request.header("content-digest")
        if value is None:
            raise SignatureRejected(Reason.MISSING_COMPONENT, "Content-Digest is covered but absent")
        outcome = verify_content_digest(value, request.body)
        if outcome is DigestCheck.MALFORMED:
            raise _malformed(f"unparsable Content-Digest {value!r}")
        if outcome is not DigestCheck.MATCH:
            raise SignatureRejected(Reason.DIGEST_MISMATCH, f"Content-Digest {outcome.value} for the body")
    # Building the base finds absent components before anyone fetches a key.
    signature_base(request, sig.signature_input)


def _choose_algorithm(sig: Rfc9421Signature, key: VerifyKey, expected: str | None) -> str:
    if expected is not None and expected not in ALGORITHMS:
        raise SignatureRejected(Reason.UNSUPPORTED_ALGORITHM, f"alg {expected!r}")
    if sig.algorithm is not None and expected is not None and sig.algorithm != expected:
        raise SignatureRejected(Reason.UNSUPPORTED_ALGORITHM, f"alg {sig.algorithm} but the key is {expected}")
    return sig.algorithm or expected or default_algorithm(key)


def verify_rfc9421(
    request: SignedRequest,
    sig: Rfc9421Signature,
    key: VerifyKey,
    policy: VerifyPolicy,
    now: float,
    algorithm: str | None = None,
) -> None:
    """Raise ``SignatureRejected`` unless ``sig`` is valid for ``request`` and ``key``."""
    precheck_rfc9421(request, sig, policy, now)
    chosen = _choose_algorithm(sig, key, algorithm)
    base = signature_base(request, sig.signature_input).encode()
    if not verify_bytes(chosen, key, base, sig.signature):
        raise SignatureRejected(Reason.BAD_SIGNATURE, f"{sig.label} does not match the signature base")


def sign_rfc9421_input(
    request: SignedRequest, label: str, signature_input: InnerList, key: SigningKey, algorithm: str
) -> dict[str, str]:
    """Sign with exactly the given covered components and parameters."""
    raw = sign_bytes(algorithm, key, signature_base(request, signature_input).encode())
    return {
        "Signature-Input": serialize_dictionary({label: signature_input}),
        "Signature": serialize_dictionary({label: Item(raw)}),
    }


def sign_rfc9421(
    request: SignedRequest,
    components: Sequence[str | Item],
    key: SigningKey,
    *,
    key_id: str,
    label: str = "sig1",
    algorithm: str | None = None,
    now: float | None = None,
    lifetime: int | None = None,
    nonce: str | None = None,
    tag: str | None = None,
) -> dict[str, str]:
    """``Signature-Input`` and ``Signature`` headers for ``request``.

    Add any covered ``Content-Digest`` to ``request`` before calling.
    """
    chosen = algorithm or default_algorithm(key)
    created = int(time.time() if now is None else now)
    params: dict[str, BareItem] = {"created": created, "keyid": key_id, "alg": chosen}
    optional: dict[str, BareItem | None] = {
        "expires": None if lifetime is None else created + lifetime,
        "nonce": nonce,
        "tag": tag,
    }
    params.update({name: value for name, value in optional.items() if value is not None})
    items = tuple(item if isinstance(item, Item) else Item(item) for item in components)
    return sign_rfc9421_input(request, label, InnerList(items, params), key, chosen)
