"""RFC 9421 behaviour with the RFC's keys: roundtrips, tampering, windows, bad input."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from activitypub.signatures import (
    RELAXED_POLICY,
    Reason,
    SignedRequest,
    VerificationResult,
    VerifyKey,
    content_digest_header,
    list_rfc9421_signatures,
    load_private_key_pem,
    load_public_key_pem,
    parse_signature,
    sign_rfc9421,
    verify_request,
)
from activitypub.signatures.keys import SigningKey
from activitypub.signatures.structured import Item

Vector = dict[str, Any]


def load(fixtures_dir: Path) -> Vector:
    data: Vector = json.loads((fixtures_dir / "signatures" / "rfc9421.json").read_text())
    return data


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


NOW = 1_700_000_000
URL = "https://b.example/users/bob/inbox?x=1"
COMPONENTS = ["@method", "@target-uri", "content-digest", "content-type"]


def post(body: bytes = b'{"type":"Follow"}') -> SignedRequest:
    return SignedRequest.build(
        "POST", URL,
        {"Host": "b.example", "Content-Type": "application/activity+json",
         "Content-Digest": content_digest_header(body)},
        body,
    )


def signed_post(vector: Vector, key_id: str, alg: str, **kwargs: Any) -> SignedRequest:
    message = post()
    options: dict[str, Any] = {"key_id": key_id, "now": NOW, "algorithm": alg, **kwargs}
    headers = sign_rfc9421(message, COMPONENTS, private_key(vector, key_id), **options)
    return message.with_headers(headers)


ROUNDTRIP = [
    ("test-key-rsa", "rsa-v1_5-sha256"),
    ("test-key-rsa-pss", "rsa-pss-sha512"),
    ("test-key-ecc-p256", "ecdsa-p256-sha256"),
    ("test-key-ed25519", "ed25519"),
    ("test-shared-secret", "hmac-sha256"),
]


@pytest.mark.parametrize(("key_id", "alg"), ROUNDTRIP)
def test_roundtrip_default_policy(fixtures_dir: Path, key_id: str, alg: str) -> None:
    vector = load(fixtures_dir)
    message = signed_post(vector, key_id, alg)
    result = verify_request(message, public_key(vector, key_id), now=NOW + 5)
    assert result == VerificationResult(True, Reason.OK, key_id, "rfc9421", "")


def test_tampering(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    message = signed_post(vector, "test-key-rsa", "rsa-v1_5-sha256")
    key = public_key(vector, "test-key-rsa")
    body = SignedRequest(message.method, message.url, message.headers, b'{"type":"Block"}')
    assert verify_request(body, key, now=NOW).reason is Reason.DIGEST_MISMATCH
    retyped = message.with_headers({"Content-Type": "text/plain"})
    assert verify_request(retyped, key, now=NOW).reason is Reason.BAD_SIGNATURE
    moved = SignedRequest(message.method, URL.replace("bob", "eve"), message.headers, message.body)
    assert verify_request(moved, key, now=NOW).reason is Reason.BAD_SIGNATURE
    sig = message.header("signature") or ""
    flipped = message.with_headers({"Signature": sig[:6] + ("B" if sig[6] == "A" else "A") + sig[7:]})
    assert verify_request(flipped, key, now=NOW).reason is Reason.BAD_SIGNATURE


def test_time_window(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    key = public_key(vector, "test-key-ed25519")
    message = signed_post(vector, "test-key-ed25519", "ed25519")
    assert verify_request(message, key, now=NOW - 3601).reason is Reason.EXPIRED
    assert verify_request(message, key, now=NOW + 300 + 3601).reason is Reason.EXPIRED
    short = signed_post(vector, "test-key-ed25519", "ed25519", lifetime=60)
    assert verify_request(short, key, now=NOW + 60 + 3600).ok
    assert verify_request(short, key, now=NOW + 60 + 3601).reason is Reason.EXPIRED


@pytest.mark.parametrize(
    ("components", "missing"),
    [
        (["@target-uri", "content-digest"], "@method"),
        (["@method", "@path", "content-digest"], "@target-uri"),
        (["@method", "@target-uri"], "content-digest"),
    ],
)
def test_required_components(fixtures_dir: Path, components: list[str], missing: str) -> None:
    vector = load(fixtures_dir)
    message = post()
    headers = sign_rfc9421(message, components, private_key(vector, "test-key-rsa"), key_id="k", now=NOW)
    result = verify_request(message.with_headers(headers), public_key(vector, "test-key-rsa"), now=NOW)
    assert result.reason is Reason.MISSING_COMPONENT
    assert missing in result.detail


def test_authority_and_path_are_enough(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    message = post()
    components = ["@method", "@authority", "@path", "@query", "content-digest"]
    headers = sign_rfc9421(message, components, private_key(vector, "test-key-rsa"), key_id="k", now=NOW)
    assert verify_request(message.with_headers(headers), public_key(vector, "test-key-rsa"), now=NOW).ok


def test_covered_content_digest_must_be_present(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    message = signed_post(vector, "test-key-rsa", "rsa-v1_5-sha256")
    stripped = SignedRequest(
        message.method, message.url, tuple(h for h in message.headers if h[0] != "content-digest"), message.body
    )
    result = verify_request(stripped, public_key(vector, "test-key-rsa"), now=NOW)
    assert result.reason is Reason.MISSING_COMPONENT


@pytest.mark.parametrize(
    ("signature_input", "signature"),
    [
        ('sig1=("@method";created=1', "sig1=:AAAA:"),
        ('sig1=("@method");keyid="k"', "sig1=AAAA"),
        ('sig1=("@method");keyid="k"', "sig2=:AAAA:"),
        ('sig1="@method";keyid="k"', "sig1=:AAAA:"),
        ('sig1=(@method);keyid="k"', "sig1=:AAAA:"),
        ('sig1=("@method");created=1', "sig1=:AAAA:"),
        ('sig1=("@method");keyid=k', "sig1=:AAAA:"),
        ('sig1=("@method");keyid="k";created="1"', "sig1=:AAAA:"),
        ('sig1=("@method" "@method");keyid="k";created=1700000000', "sig1=:AAAA:"),
        ('sig1=("@signature-params");keyid="k";created=1700000000', "sig1=:AAAA:"),
        ('sig1=("@bogus");keyid="k";created=1700000000', "sig1=:AAAA:"),
        ('sig1=("Content-Type");keyid="k";created=1700000000', "sig1=:AAAA:"),
        ('sig1=("content-type";tr);keyid="k";created=1700000000', "sig1=:AAAA:"),
        ('sig1=("content-type";sf);keyid="k";created=1700000000', "sig1=:AAAA:"),
        ('sig1=("@status");keyid="k";created=1700000000', "sig1=:AAAA:"),
        ('sig1=("@query-param");keyid="k";created=1700000000', "sig1=:AAAA:"),
        ("", "sig1=:AAAA:"),
        ('sig1=("@method");keyid="k"', "sig1=:not base64!:"),
        ('sig1=("@method");keyid="k"\u00e9', "sig1=:AAAA:"),
    ],
)
def test_malformed_inputs_never_raise(fixtures_dir: Path, signature_input: str, signature: str) -> None:
    vector = load(fixtures_dir)
    message = post().with_headers({"Signature-Input": signature_input, "Signature": signature})
    result = verify_request(message, public_key(vector, "test-key-rsa"), policy=RELAXED_POLICY, now=NOW)
    assert result.reason is Reason.MALFORMED, result


def test_unknown_alg_is_unsupported(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    message = post().with_headers(
        {"Signature-Input": 'sig1=("@method");keyid="k";alg="rsa-sha1"', "Signature": "sig1=:AAAA:"}
    )
    result = verify_request(message, public_key(vector, "test-key-rsa"), now=NOW)
    assert result.reason is Reason.UNSUPPORTED_ALGORITHM


def test_missing_label_and_no_signature(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    message = signed_post(vector, "test-key-rsa", "rsa-v1_5-sha256")
    missing = parse_signature(message, label="other")
    assert isinstance(missing, VerificationResult) and missing.reason is Reason.NO_SIGNATURE
    unsigned = list_rfc9421_signatures(post())
    assert isinstance(unsigned, VerificationResult) and unsigned.reason is Reason.NO_SIGNATURE


def test_sign_with_item_components_and_nonce(fixtures_dir: Path) -> None:
    vector = load(fixtures_dir)
    message = post()
    components: list[str | Item] = ["@method", "@target-uri", "content-digest", Item("@query-param", {"name": "x"})]
    headers = sign_rfc9421(message, components, private_key(vector, "test-key-ed25519"), key_id="k", now=NOW,
                           nonce="abc", tag="fedi", label="fedi")
    assert headers["Signature-Input"] == (
        'fedi=("@method" "@target-uri" "content-digest" "@query-param";name="x")'
        f';created={NOW};keyid="k";alg="ed25519";nonce="abc";tag="fedi"'
    )
    assert verify_request(message.with_headers(headers), public_key(vector, "test-key-ed25519"), now=NOW).ok
