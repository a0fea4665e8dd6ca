"""HTTP message signatures for federation: draft-cavage-12 and RFC 9421.

Pure code: no sockets, no clocks beyond ``time.time()`` defaults, no
framework types. See ``verify`` for the entry points the inbox uses.
"""

from __future__ import annotations

from .cavage import CavageSignature, sign_cavage, signing_string
from .digests import (
    DigestCheck,
    content_digest_header,
    digest_header,
    verify_content_digest,
    verify_digest_header,
)
from .keys import (
    InvalidKey,
    PrivateKey,
    PublicKey,
    SigningKey,
    VerifyKey,
    default_algorithm,
    generate_rsa_key,
    load_private_key_pem,
    load_public_key_pem,
    private_key_pem,
    public_key_pem,
)
from .message import SignedRequest
from .result import (
    RELAXED_POLICY,
    Reason,
    Scheme,
    SignatureRejected,
    VerificationResult,
    VerifyPolicy,
)
from .rfc9421 import Rfc9421Signature, sign_rfc9421, sign_rfc9421_input
from .rfc9421_components import signature_base
from .verify import (
    DEFAULT_POLICY,
    ParsedSignature,
    list_rfc9421_signatures,
    parse_signature,
    precheck,
    verify_request,
    verify_signature,
)

__all__ = [
    "DEFAULT_POLICY",
    "RELAXED_POLICY",
    "CavageSignature",
    "DigestCheck",
    "InvalidKey",
    "ParsedSignature",
    "PrivateKey",
    "PublicKey",
    "Reason",
    "Rfc9421Signature",
    "Scheme",
    "SignatureRejected",
    "SignedRequest",
    "SigningKey",
    "VerificationResult",
    "VerifyKey",
    "VerifyPolicy",
    "content_digest_header",
    "default_algorithm",
    "digest_header",
    "generate_rsa_key",
    "list_rfc9421_signatures",
    "load_private_key_pem",
    "load_public_key_pem",
    "parse_signature",
    "precheck",
    "private_key_pem",
    "public_key_pem",
    "sign_cavage",
    "sign_rfc9421",
    "sign_rfc9421_input",
    "signature_base",
    "signing_string",
    "verify_content_digest",
    "verify_digest_header",
    "verify_request",
    "verify_signature",
]
