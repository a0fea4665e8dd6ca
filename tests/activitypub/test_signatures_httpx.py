"""federation.signing.HttpSignatureAuth signs the exact bytes httpx sends."""

from __future__ import annotations

import json

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from activitypub.signatures import (
    CavageSignature,
    Reason,
    SignedRequest,
    VerificationResult,
    generate_rsa_key,
    parse_signature,
    verify_request,
)
from federation.signing import HttpSignatureAuth

KEY_ID = "https://a.example/users/alice#main-key"
NOW = 1_700_000_000.0


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return generate_rsa_key()


def adapt(request: httpx.Request) -> SignedRequest:
    url = f"{request.url.scheme}://{request.url.netloc.decode()}{request.url.raw_path.decode()}"
    return SignedRequest.build(request.method, url, request.headers.multi_items(), request.read())


def verifying_client(key: rsa.RSAPrivateKey, results: list[VerificationResult]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        result = verify_request(adapt(request), key.public_key(), now=NOW + 1)
        results.append(result)
        return httpx.Response(202 if result.ok else 401, json={"reason": result.reason.value})

    auth = HttpSignatureAuth(KEY_ID, key, clock=lambda: NOW)
    return httpx.Client(transport=httpx.MockTransport(handler), auth=auth)


def test_post_json_is_signed_over_wire_bytes(key: rsa.RSAPrivateKey) -> None:
    results: list[VerificationResult] = []
    activity = {"type": "Follow", "actor": "https://a.example/users/alice", "object": "ünïcode"}
    with verifying_client(key, results) as client:
        response = client.post(
            "https://b.example:8443/users/bob/inbox?x=1",
            content=json.dumps(activity, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/activity+json"},
        )
    assert response.status_code == 202, response.text
    assert results == [VerificationResult(True, Reason.OK, KEY_ID, "cavage", "")]
    sent = response.request
    assert sent.headers["Digest"].startswith("SHA-256=")
    assert sent.headers["Date"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    parsed = parse_signature(adapt(sent))
    assert isinstance(parsed, CavageSignature)
    assert parsed.headers == ("(request-target)", "host", "date", "digest", "content-type")


def test_json_kwarg_and_get_with_query(key: rsa.RSAPrivateKey) -> None:
    results: list[VerificationResult] = []
    with verifying_client(key, results) as client:
        assert client.post("https://b.example/inbox", json={"type": "Like"}).status_code == 202
        assert client.get("https://b.example/users/bob/outbox", params={"page": "true", "q": "a b"}).status_code == 202
    assert all(result.ok for result in results)
    assert len(results) == 2


def test_handler_detects_body_changed_after_signing(key: rsa.RSAPrivateKey) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        adapted = adapt(request)
        forged = SignedRequest(adapted.method, adapted.url, adapted.headers, adapted.body + b" ")
        result = verify_request(forged, key.public_key(), now=NOW)
        return httpx.Response(401, json={"reason": result.reason.value})

    auth = HttpSignatureAuth(KEY_ID, key, clock=lambda: NOW)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        response = client.post("https://b.example/inbox", json={"type": "Like"})
    assert response.json() == {"reason": "digest_mismatch"}


@pytest.mark.anyio
async def test_async_client(key: rsa.RSAPrivateKey) -> None:
    seen: list[VerificationResult] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(verify_request(adapt(request), key.public_key(), now=NOW))
        return httpx.Response(202)

    auth = HttpSignatureAuth(KEY_ID, key, clock=lambda: NOW)
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as client:
        response = await client.post("https://b.example/inbox", content=b'{"type":"Announce"}')
    assert response.status_code == 202
    assert [result.ok for result in seen] == [True]
