"""draft-cavage-12 signing and verification against spec and real-world vectors."""

from __future__ import annotations

import base64
import json
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from activitypub.signatures import (
    DEFAULT_POLICY,
    RELAXED_POLICY,
    CavageSignature,
    Reason,
    SignedRequest,
    VerificationResult,
    load_private_key_pem,
    load_public_key_pem,
    parse_signature,
    signing_string,
    verify_request,
    verify_signature,
)

Vector = dict[str, Any]


def load(fixtures_dir: Path) -> Vector:
    data: Vector = json.loads((fixtures_dir / "signatures" / "draft-cavage-12.json").read_text())
    return data


def http_time(value: str) -> float:
    return parsedate_to_datetime(value).timestamp()


def spec_request(vector: Vector, signature_header: str) -> SignedRequest:
    req = vector["request"]
    headers = [(name, value) for name, value in req["headers"]] + [("Signature", signature_header)]
    return SignedRequest.build(req["method"], req["url"], headers, req["body"].encode())


SPEC_CASES = ["cavage-12 C.1", "cavage-12 C.2", "cavage-12 C.3"]


@pytest.mark.parametrize("case_id", SPEC_CASES)
def test_spec_vectors_verify(fixtures_dir: Path, case_id: str) -> None:
    vector = load(fixtures_dir)
    case = next(c for c in vector["cases"] if c["id"] == case_id)
    request = spec_request(vector, case["signature_header"])
    parsed = parse_signature(request)
    assert isinstance(parsed, CavageSignature)
    assert list(parsed.headers) == case["covered_components"]
    assert signing_string(request, parsed) == case["signing_string"]
    key = load_public_key_pem(vector["key"]["public_key_pem"])
    now = http_time("Sun, 05 Jan 2014 21:31:40 GMT")
    result = verify_signature(request, parsed, key, policy=RELAXED_POLICY, now=now)
    assert result == VerificationResult(True, Reason.OK, "Test", "cavage", "")


@pytest.mark.parametrize("case_id", ["cavage-12 C.1", "cavage-12 C.2"])
def test_spec_vectors_authorization_form(fixtures_dir: Path, case_id: str) -> None:
    # The draft prints C.1 and C.2 as Authorization headers (C.3 only as Signature).
    vector = load(fixtures_dir)
    case = next(c for c in vector["cases"] if c["id"] == case_id)
    req = vector["request"]
    headers = [*map(tuple, req["headers"]), ("Authorization", case["authorization_header"])]
    request = SignedRequest.build(req["method"], req["url"], headers, req["body"].encode())
    key = load_public_key_pem(vector["key"]["public_key_pem"])
    now = http_time("Sun, 05 Jan 2014 21:31:40 GMT")
    assert verify_request(request, key, policy=RELAXED_POLICY, now=now).ok


@pytest.mark.parametrize("case_id", SPEC_CASES)
def test_spec_vectors_resign_deterministically(fixtures_dir: Path, case_id: str) -> None:
    vector = load(fixtures_dir)
    case = next(c for c in vector["cases"] if c["id"] == case_id)
    private = load_private_key_pem(vector["key"]["private_key_pem"])
    assert isinstance(private, rsa.RSAPrivateKey)
    raw = private.sign(case["signing_string"].encode(), padding.PKCS1v15(), hashes.SHA256())
    assert base64.b64encode(raw).decode() in case["signature_header"]


def test_c3_erratum_as_printed_is_rejected(fixtures_dir: Path) -> None:
    # The draft prints (created)/(expires) with rsa-sha256; the signature only
    # covers six headers, and the draft itself forbids (created) with rsa-*.
    vector = load(fixtures_dir)
    case = next(c for c in vector["cases"] if c["id"] == "cavage-12 C.3")
    printed = case["errata"]["as_printed_in_draft_12"]
    request = spec_request(vector, printed["signature_header"])
    key = load_public_key_pem(vector["key"]["public_key_pem"])
    result = verify_request(request, key, policy=RELAXED_POLICY, now=1402170697.0)
    assert not result.ok
    assert result.reason is Reason.MALFORMED


def interop_request(vector: Vector) -> SignedRequest:
    req = vector["request"]
    return SignedRequest.build(req["method"], req["url"], [tuple(h) for h in req["headers"]], req["body"].encode())


def interop_now(vector: Vector) -> float:
    request = interop_request(vector)
    date = request.header("date")
    assert date is not None
    return http_time(date)


@pytest.mark.parametrize("index", [0, 1], ids=["fedify", "oeee.cafe"])
def test_interop_vectors_verify_with_default_policy(fixtures_dir: Path, index: int) -> None:
    vector = load(fixtures_dir)["interop_vectors"][index]
    request = interop_request(vector)
    parsed = parse_signature(request)
    assert isinstance(parsed, CavageSignature)
    assert parsed.key_id == vector["key"]["keyId"]
    assert list(parsed.headers) == vector["covered_components"]
    assert signing_string(request, parsed) == vector["signing_string"]
    key = load_public_key_pem(vector["key"]["public_key_pem"])
    result = verify_signature(request, parsed, key, policy=DEFAULT_POLICY, now=interop_now(vector))
    assert result.ok, result


@pytest.mark.parametrize("index", [0, 1], ids=["fedify", "oeee.cafe"])
def test_interop_vectors_reject_tampered_body(fixtures_dir: Path, index: int) -> None:
    vector = load(fixtures_dir)["interop_vectors"][index]
    request = interop_request(vector)
    tampered = SignedRequest(request.method, request.url, request.headers, request.body + b" ")
    key = load_public_key_pem(vector["key"]["public_key_pem"])
    result = verify_request(tampered, key, now=interop_now(vector))
    assert result.reason is Reason.DIGEST_MISMATCH


def test_oeee_expires_is_honoured(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)["interop_vectors"][1]
    request = interop_request(vector)
    key = load_public_key_pem(vector["key"]["public_key_pem"])
    expires = 1756130294
    assert verify_request(request, key, now=expires + 3000).ok
    late = verify_request(request, key, now=expires + 3601)
    assert late.reason is Reason.EXPIRED
