"""RFC 9421 verification against every Appendix B / section 4.3 vector, plus behaviour."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activitypub.signatures import (
    RELAXED_POLICY,
    Reason,
    Rfc9421Signature,
    SignedRequest,
    VerificationResult,
    VerifyKey,
    list_rfc9421_signatures,
    load_private_key_pem,
    load_public_key_pem,
    parse_signature,
    sign_rfc9421_input,
    signature_base,
    verify_request,
    verify_signature,
)
from activitypub.signatures.keys import SigningKey
from activitypub.signatures.structured import serialize_member

Vector = dict[str, Any]


def load(fixtures_dir: Path) -> Vector:
    data: Vector = json.loads((fixtures_dir / "signatures" / "rfc9421.json").read_text())
    return data


CASE_IDS = [
    "RFC9421 4.3",
    "RFC9421 B.2.1",
    "RFC9421 B.2.2",
    "RFC9421 B.2.3",
    "RFC9421 B.2.4",
    "RFC9421 B.2.5",
    "RFC9421 B.2.6",
    "RFC9421 B.3",
    "RFC9421 B.4",
]


def public_key(vector: Vector, key_id: str) -> VerifyKey:
    key = vector["keys"][key_id]
    if "secret_base64" in key:
        return base64.b64decode(key["secret_base64"])
    return load_public_key_pem(key["public_key_pem"])


def private_key(vector: Vector, key_id: str) -> SigningKey:
    key = vector["keys"][key_id]
    if "secret_base64" in key:
        return base64.b64decode(key["secret_base64"])
    return load_private_key_pem(key["private_key_pem"])


def message_for(vector: Vector, case: Vector) -> SignedRequest:
    """The case's message with its Signature-Input and Signature attached."""
    source = case["message"]
    if isinstance(source, str):
        message = vector["messages"][source]
        headers = [tuple(pair) for pair in message["headers"]]
        if "status" in message:
            # Erratum: the response's printed Content-Digest is not the digest of its
            # body; the signature base (and so the signature) used the correct one.
            headers = [
                (name, message["content_digest_correct"]) if name == "Content-Digest" else (name, value)
                for name, value in headers
            ]
        headers += [("Signature-Input", case["signature_input_header"]), ("Signature", case["signature_header"])]
        body = message["body"].encode()
        return SignedRequest.build(
            message.get("method", ""), message.get("url", ""), headers, body, status=message.get("status")
        )
    body = (source["body"] or "").encode()
    if case["id"] == "RFC9421 4.3":
        # The spec prints two blank lines before the body; the digest is of the 18 bytes.
        body = body.lstrip(b"\n")
    return SignedRequest.build(source["method"], source["url"], [tuple(p) for p in source["headers"]], body)


def case_by_id(vector: Vector, case_id: str) -> Vector:
    return next(case for case in vector["cases"] if case["id"] == case_id)


def parsed_for(message: SignedRequest, label: str) -> Rfc9421Signature:
    parsed = parse_signature(message, label=label)
    assert isinstance(parsed, Rfc9421Signature), parsed
    return parsed


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_vector_signature_base(fixtures_dir: Path, case_id: str) -> None:
    vector = load(fixtures_dir)
    case = case_by_id(vector, case_id)
    message = message_for(vector, case)
    parsed = parsed_for(message, case["label"])
    assert parsed.key_id == case["keyid"]
    covered = [serialize_member(component) for component in parsed.covered]
    assert covered == case["covered_components"]
    assert signature_base(message, parsed.signature_input) == case["signature_base"]


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_vector_verifies(fixtures_dir: Path, case_id: str) -> None:
    vector = load(fixtures_dir)
    case = case_by_id(vector, case_id)
    message = message_for(vector, case)
    parsed = parsed_for(message, case["label"])
    key = public_key(vector, case["keyid"])
    assert parsed.created is not None
    result = verify_signature(
        message, parsed, key, policy=RELAXED_POLICY, now=parsed.created, algorithm=case["alg"]
    )
    assert result == VerificationResult(True, Reason.OK, case["keyid"], "rfc9421", "")


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_vector_rejects_other_key(fixtures_dir: Path, case_id: str) -> None:
    vector = load(fixtures_dir)
    case = case_by_id(vector, case_id)
    message = message_for(vector, case)
    parsed = parsed_for(message, case["label"])
    assert parsed.created is not None
    # Same algorithm family, different key material.
    others = {"rsa-v1_5-sha256": "test-key-rsa-pss", "rsa-pss-sha512": "test-key-rsa",
              "ecdsa-p256-sha256": None, "ed25519": None, "hmac-sha256": None}
    other = others[case["alg"]]
    key: VerifyKey
    if other is not None:
        key = public_key(vector, other)
    elif case["alg"] == "hmac-sha256":
        key = b"not the secret"
    else:
        key = _generate(case["alg"])
    result = verify_signature(message, parsed, key, policy=RELAXED_POLICY, now=parsed.created, algorithm=case["alg"])
    assert result.reason is Reason.BAD_SIGNATURE


def _generate(alg: str) -> VerifyKey:
    if alg == "ed25519":
        return Ed25519PrivateKey.generate().public_key()
    return ec.generate_private_key(ec.SECP256R1()).public_key()


# rsa-pss and ecdsa signatures are randomised; the other algorithms can be reproduced.
DETERMINISTIC = ["RFC9421 4.3", "RFC9421 B.2.5", "RFC9421 B.2.6", "RFC9421 B.4"]


@pytest.mark.parametrize("case_id", DETERMINISTIC)
def test_deterministic_vectors_resign_identically(fixtures_dir: Path, case_id: str) -> None:
    vector = load(fixtures_dir)
    case = case_by_id(vector, case_id)
    assert case["deterministic"] and case.get("resign_matches")
    message = message_for(vector, case)
    parsed = parsed_for(message, case["label"])
    headers = sign_rfc9421_input(
        message, case["label"], parsed.signature_input, private_key(vector, case["keyid"]), case["alg"]
    )
    expected_signature = f"{case['label']}=:{base64.b64encode(parsed.signature).decode()}:"
    assert headers["Signature"] == expected_signature
    assert headers["Signature"] in case["signature_header"]
    assert headers["Signature-Input"] in case["signature_input_header"]


def test_proxy_case_client_signature_broke_when_host_changed(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    case = case_by_id(vector, "RFC9421 4.3")
    message = message_for(vector, case)
    listed = list_rfc9421_signatures(message)
    assert isinstance(listed, list)
    assert [sig.label for sig in listed] == ["sig1", "proxy_sig"]
    sig1 = listed[0]
    assert sig1.algorithm is None and sig1.expires is None
    key = public_key(vector, "test-key-ecc-p256")
    result = verify_signature(message, sig1, key, policy=RELAXED_POLICY, now=1618884475)
    assert result.reason is Reason.BAD_SIGNATURE
    # With the client's original Host the client signature still holds.
    original = SignedRequest.build(
        message.method, "https://example.com/foo?param=Value&Pet=dog", message.headers, message.body
    )
    assert verify_signature(original, sig1, key, policy=RELAXED_POLICY, now=1618884475).ok


def test_proxy_case_expires(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    case = case_by_id(vector, "RFC9421 4.3")
    message = message_for(vector, case)
    key = public_key(vector, "test-key-rsa")
    assert verify_request(message, key, policy=RELAXED_POLICY, now=1618884540 + 3600, label="proxy_sig").ok
    late = verify_request(message, key, policy=RELAXED_POLICY, now=1618884540 + 3601, label="proxy_sig")
    assert late.reason is Reason.EXPIRED
    early = verify_request(message, key, policy=RELAXED_POLICY, now=1618884480 - 3601, label="proxy_sig")
    assert early.reason is Reason.EXPIRED


def test_response_printed_content_digest_erratum(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    case = case_by_id(vector, "RFC9421 B.2.4")
    correct = message_for(vector, case)
    printed = correct.with_headers({"Content-Digest": vector["messages"]["test-response"]["headers"][2][1]})
    key = public_key(vector, "test-key-ecc-p256")
    result = verify_request(printed, key, policy=RELAXED_POLICY, now=1618884473)
    assert result.reason is Reason.DIGEST_MISMATCH


def parse_raw(raw: str) -> SignedRequest:
    head, _, body = raw.partition("\n\n")
    start, *lines = head.split("\n")
    method, target, _ = start.split(" ")
    headers = [(name, value.strip()) for name, _, value in (line.partition(":") for line in lines)]
    host = next(value for name, value in headers if name.lower() == "host")
    return SignedRequest.build(method, f"https://{host}{target}", headers, body.encode())


def test_b4_transformations(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    case = case_by_id(vector, "RFC9421 B.4")
    key = public_key(vector, "test-key-ed25519")
    assert verify_request(parse_raw(case["message_raw"]), key, policy=RELAXED_POLICY, now=1618884473).ok
    for raw in case["transformed_messages_still_valid"]:
        assert verify_request(parse_raw(raw), key, policy=RELAXED_POLICY, now=1618884473).ok, raw
    for raw in case["transformed_messages_invalid"]:
        result = verify_request(parse_raw(raw), key, policy=RELAXED_POLICY, now=1618884473)
        assert result.reason is Reason.BAD_SIGNATURE, raw


def test_algorithm_mismatch_with_key_is_rejected(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    case = case_by_id(vector, "RFC9421 4.3")
    message = message_for(vector, case)
    key = public_key(vector, "test-key-rsa")
    result = verify_request(message, key, policy=RELAXED_POLICY, now=1618884480, label="proxy_sig",
                            algorithm="rsa-pss-sha512")
    assert result.reason is Reason.UNSUPPORTED_ALGORITHM
    ed_key = public_key(vector, "test-key-ed25519")
    result = verify_request(message, ed_key, policy=RELAXED_POLICY, now=1618884480, label="proxy_sig")
    assert result.reason is Reason.UNSUPPORTED_ALGORITHM
