"""draft-cavage behaviour: Mastodon-style signing, tampering, windows and bad input."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activitypub.errors import Unauthorized
from activitypub.signatures import (
    CavageSignature,
    Reason,
    SignedRequest,
    VerificationResult,
    VerifyPolicy,
    digest_header,
    generate_rsa_key,
    parse_signature,
    precheck,
    sign_cavage,
    signing_string,
    verify_request,
    verify_signature,
)
from activitypub.signatures.cavage import parse_signature_params

NOW = 1_700_000_000.0
KEY_ID = "https://a.example/users/alice#main-key"


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return generate_rsa_key()


def sign_and_build(
    private_key: rsa.RSAPrivateKey, method: str, url: str, body: bytes = b"", now: float = NOW, **extra: str
) -> SignedRequest:
    headers = {"Host": url.split("/")[2], **extra}
    if body:
        headers.setdefault("Content-Type", "application/activity+json")
    added = sign_cavage(method, url, headers, body, KEY_ID, private_key, now=now)
    return SignedRequest.build(method, url, {**headers, **added}, body)


def test_sign_adds_mastodon_shaped_headers(private_key: rsa.RSAPrivateKey) -> None:
    added = sign_cavage(
        "POST", "https://b.example/inbox", {"Host": "b.example", "Content-Type": "application/activity+json"},
        b"{}", KEY_ID, private_key, now=NOW,
    )
    assert set(added) == {"Date", "Digest", "Signature"}
    assert added["Date"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert added["Digest"] == "SHA-256=RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o="
    assert added["Signature"].startswith(f'keyId="{KEY_ID}",algorithm="rsa-sha256",')
    assert 'headers="(request-target) host date digest content-type"' in added["Signature"]


def test_sign_get_has_no_digest_and_keeps_existing_date(private_key: rsa.RSAPrivateKey) -> None:
    added = sign_cavage(
        "GET", "https://b.example/users/bob?page=2", {"Date": "Tue, 14 Nov 2023 22:13:20 GMT"}, b"",
        KEY_ID, private_key, now=NOW,
    )
    assert set(added) == {"Signature"}
    assert 'headers="(request-target) host date"' in added["Signature"]


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "https://b.example/inbox", b'{"type":"Follow"}'),
        ("POST", "https://b.example:8443/users/bob/inbox?x=1&y=%20z", b'{"type":"Note"}'),
        ("GET", "https://b.example/users/bob/outbox?page=true", b""),
        ("GET", "http://b.example:8080/", b""),
    ],
)
def test_roundtrip(private_key: rsa.RSAPrivateKey, method: str, url: str, body: bytes) -> None:
    request = sign_and_build(private_key, method, url, body)
    result = verify_request(request, private_key.public_key(), now=NOW + 10)
    assert result == VerificationResult(True, Reason.OK, KEY_ID, "cavage", "")


def test_host_with_non_default_port_is_signed(private_key: rsa.RSAPrivateKey) -> None:
    url = "https://b.example:8443/inbox"
    added = sign_cavage("GET", url, {}, b"", KEY_ID, private_key, now=NOW)
    request = SignedRequest.build("GET", url, added)
    parsed = parse_signature(request)
    assert isinstance(parsed, CavageSignature)
    assert "host: b.example:8443" in signing_string(request, parsed).splitlines()
    assert verify_request(request, private_key.public_key(), now=NOW).ok


def test_tampered_body_is_digest_mismatch(private_key: rsa.RSAPrivateKey) -> None:
    request = sign_and_build(private_key, "POST", "https://b.example/inbox", b'{"a":1}')
    forged = SignedRequest(request.method, request.url, request.headers, b'{"a":2}')
    assert verify_request(forged, private_key.public_key(), now=NOW).reason is Reason.DIGEST_MISMATCH


def test_tampered_digest_header_is_bad_signature(private_key: rsa.RSAPrivateKey) -> None:
    # Attacker swaps body and a matching Digest: the signature over Digest fails.
    request = sign_and_build(private_key, "POST", "https://b.example/inbox", b'{"a":1}')
    forged = SignedRequest(request.method, request.url, request.headers, b'{"a":2}').with_headers(
        {"digest": digest_header(b'{"a":2}')}
    )
    assert verify_request(forged, private_key.public_key(), now=NOW).reason is Reason.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("header", "value"),
    [("content-type", "text/html"), ("host", "evil.example"), ("date", "Tue, 14 Nov 2023 22:13:21 GMT")],
)
def test_tampered_header_is_bad_signature(private_key: rsa.RSAPrivateKey, header: str, value: str) -> None:
    request = sign_and_build(private_key, "POST", "https://b.example/inbox", b"{}")
    forged = request.with_headers({header: value})
    assert verify_request(forged, private_key.public_key(), now=NOW).reason is Reason.BAD_SIGNATURE


def test_tampered_signature_and_path_and_method(private_key: rsa.RSAPrivateKey) -> None:
    request = sign_and_build(private_key, "POST", "https://b.example/inbox", b"{}")
    sig = request.header("signature") or ""
    flipped = sig.replace('signature="', 'signature="AAAA', 1)
    public = private_key.public_key()
    assert verify_request(request.with_headers({"signature": flipped}), public, now=NOW).reason is Reason.BAD_SIGNATURE
    moved = SignedRequest(request.method, "https://b.example/users/x/inbox", request.headers, request.body)
    assert verify_request(moved, public, now=NOW).reason is Reason.BAD_SIGNATURE
    other = SignedRequest("PUT", request.url, request.headers, request.body)
    assert verify_request(other, public, now=NOW).reason is Reason.BAD_SIGNATURE


def test_wrong_key_is_bad_signature(private_key: rsa.RSAPrivateKey) -> None:
    request = sign_and_build(private_key, "GET", "https://b.example/users/bob")
    other = generate_rsa_key().public_key()
    assert verify_request(request, other, now=NOW).reason is Reason.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("offset", "ok"),
    [(-3600 - 300 + 1, True), (-3600 - 300 - 1, False), (3600 - 1, True), (3600 + 1, False), (-13 * 3600, False)],
)
def test_clock_skew_window_matches_mastodon(private_key: rsa.RSAPrivateKey, offset: float, ok: bool) -> None:
    # Mastodon: Date may be up to 1h ahead; it expires 5 minutes after Date, plus 1h of skew.
    request = sign_and_build(private_key, "POST", "https://b.example/inbox", b"{}", now=NOW + offset)
    result = verify_request(request, private_key.public_key(), now=NOW)
    assert result.ok is ok
    if not ok:
        assert result.reason is Reason.EXPIRED


def test_clock_window_is_configurable(private_key: rsa.RSAPrivateKey) -> None:
    request = sign_and_build(private_key, "GET", "https://b.example/users/bob", now=NOW - 600)
    strict = VerifyPolicy(clock_skew=60, default_lifetime=300)
    assert verify_request(request, private_key.public_key(), now=NOW, policy=strict).reason is Reason.EXPIRED
    assert verify_request(request, private_key.public_key(), now=NOW).ok


def manual_signature(private_key: rsa.RSAPrivateKey, request: SignedRequest, covered: str, **params: str) -> str:
    sig = CavageSignature(KEY_ID, params.get("algorithm", "rsa-sha256"), tuple(covered.split()), b"",
                          params.get("created"), params.get("expires"))
    raw = private_key.sign(signing_string(request, sig).encode(), padding.PKCS1v15(), hashes.SHA256())
    extra = "".join(f',{name}="{value}"' for name, value in params.items())
    return f'keyId="{KEY_ID}",headers="{covered}"{extra},signature="{base64.b64encode(raw).decode()}"'


def base_request(method: str = "POST", body: bytes = b"{}") -> SignedRequest:
    headers = {"Host": "b.example", "Date": "Tue, 14 Nov 2023 22:13:20 GMT", "Content-Type": "application/json"}
    if body:
        headers["Digest"] = digest_header(body)
    return SignedRequest.build(method, "https://b.example/inbox", headers, body)


@pytest.mark.parametrize(
    ("method", "covered", "missing"),
    [
        ("POST", "(request-target) host date", "digest"),
        ("POST", "host date digest", "(request-target)"),
        ("GET", "(request-target) date", "host"),
        ("GET", "(request-target) host", "date"),
    ],
)
def test_missing_required_component(private_key: rsa.RSAPrivateKey, method: str, covered: str, missing: str) -> None:
    request = base_request(method, b"{}" if method == "POST" else b"")
    signed = request.with_headers({"Signature": manual_signature(private_key, request, covered)})
    result = verify_request(signed, private_key.public_key(), now=NOW)
    assert result.reason is Reason.MISSING_COMPONENT
    assert missing in result.detail
    assert not precheck(signed, _parsed(signed), now=NOW).ok


def _parsed(request: SignedRequest) -> CavageSignature:
    parsed = parse_signature(request)
    assert isinstance(parsed, CavageSignature)
    return parsed


def test_covered_header_absent_is_missing_component(private_key: rsa.RSAPrivateKey) -> None:
    request = base_request()
    covered = "(request-target) host date digest accept"
    sig = 'keyId="k",headers="' + covered + '",signature="AAAA"'
    signed = request.with_headers({"Signature": sig})
    assert verify_request(signed, private_key.public_key(), now=NOW).reason is Reason.MISSING_COMPONENT
    # Found before any key is fetched.
    assert precheck(signed, _parsed(signed), now=NOW).reason is Reason.MISSING_COMPONENT


def test_hs2019_created_expires_roundtrip(private_key: rsa.RSAPrivateKey) -> None:
    request = base_request()
    covered = "(request-target) (created) (expires) host digest"
    header = manual_signature(private_key, request, covered, algorithm="hs2019", created="1700000000",
                              expires="1700000300")
    signed = request.with_headers({"Signature": header})
    assert verify_request(signed, private_key.public_key(), now=NOW + 100).ok
    assert verify_request(signed, private_key.public_key(), now=NOW + 300 + 3601).reason is Reason.EXPIRED
    future = verify_request(signed, private_key.public_key(), now=NOW - 3601)
    assert future.reason is Reason.EXPIRED


def test_uncovered_created_cannot_extend_the_window(private_key: rsa.RSAPrivateKey) -> None:
    request = base_request()
    header = manual_signature(private_key, request, "(request-target) host date digest", algorithm="hs2019")
    replayed = request.with_headers({"Signature": header + ',created="1800000000"'})
    assert verify_request(replayed, private_key.public_key(), now=NOW + 86400).reason is Reason.EXPIRED


def test_legacy_mastodon_target_without_query(private_key: rsa.RSAPrivateKey) -> None:
    url = "https://b.example/users/bob/outbox?page=true"
    request = SignedRequest.build("GET", url, {"Host": "b.example", "Date": "Tue, 14 Nov 2023 22:13:20 GMT"})
    old_style = SignedRequest.build("GET", "https://b.example/users/bob/outbox", request.headers)
    header = manual_signature(private_key, old_style, "(request-target) host date")
    signed = request.with_headers({"Signature": header})
    assert verify_request(signed, private_key.public_key(), now=NOW).ok
    strict = VerifyPolicy(allow_target_without_query=False)
    assert verify_request(signed, private_key.public_key(), now=NOW, policy=strict).reason is Reason.BAD_SIGNATURE


def test_algorithm_handling(private_key: rsa.RSAPrivateKey) -> None:
    request = base_request()
    header = manual_signature(private_key, request, "(request-target) host date digest", algorithm="rsa-sha512")
    result = verify_request(request.with_headers({"Signature": header}), private_key.public_key(), now=NOW)
    assert result.reason is Reason.UNSUPPORTED_ALGORITHM
    for name in ("hs2019", "RSA-SHA256"):
        header = manual_signature(private_key, request, "(request-target) host date digest", algorithm=name)
        assert verify_request(request.with_headers({"Signature": header}), private_key.public_key(), now=NOW).ok


def test_ed25519_key_with_hs2019() -> None:
    key = Ed25519PrivateKey.generate()
    url = "https://b.example/inbox"
    added = sign_cavage("POST", url, {"Content-Type": "application/json"}, b"{}", KEY_ID, key, now=NOW)
    assert 'algorithm="hs2019"' in added["Signature"]
    request = SignedRequest.build("POST", url, {"Content-Type": "application/json", **added}, b"{}")
    assert verify_request(request, key.public_key(), now=NOW).ok
    rsa_key = generate_rsa_key().public_key()
    assert verify_request(request, rsa_key, now=NOW).reason is Reason.BAD_SIGNATURE


def test_signature_header_parsing_is_robust(private_key: rsa.RSAPrivateKey) -> None:
    request = base_request()
    header = manual_signature(private_key, request, "(request-target) host date digest")
    messy = "Signature " + header.replace(",", " ,\t").replace("keyId=", "KEYID = ")
    result = verify_request(request.with_headers({"SIGNATURE": messy}), private_key.public_key(), now=NOW)
    assert result.ok, result


def test_quoted_values_may_contain_commas_and_escapes() -> None:
    params = parse_signature_params('keyId="https://x/a,b#k",foo="say \\"hi\\"",created=1402170695,signature="QQ=="')
    assert params == {"keyid": "https://x/a,b#k", "foo": 'say "hi"', "created": "1402170695", "signature": "QQ=="}


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        'keyId="k"',
        'signature="AAAA"',
        'keyId="k",signature="not base64!"',
        'keyId="k",signature="AAAA',
        'keyId="k",keyId="other",signature="AAAA"',
        'keyId="k" signature="AAAA"',
        'keyId="k",headers="",signature="AAAA"',
        '=,=,=',
        'keyId="k",algorithm="hs2019",headers="(created) host",signature="AAAA"',
        'keyId="k",algorithm="hs2019",headers="(request-target) host (created) digest",created="soon",signature="AAAA"',
        'keyId="k",algorithm="hs2019",headers="(request-target) host (created) digest",created="nan",signature="AAAA"',
        'keyId="k",headers="(request-target) host (created) (expires) digest",created=1,expires=inf,signature="AAAA"',
        'keyId="k",algorithm="rsa-sha256",headers="(request-target) host (created) digest",created="1",'
        'signature="AAAA"',
        'keyId="k",headers="(request-target) host date digest",signature="AAAA"\x00',
    ],
)
def test_malformed_headers_never_raise(private_key: rsa.RSAPrivateKey, header: str) -> None:
    request = base_request().with_headers({"Signature": header})
    result = verify_request(request, private_key.public_key(), now=NOW)
    assert not result.ok
    assert result.reason in {Reason.MALFORMED, Reason.MISSING_COMPONENT}


def test_bad_date_and_bad_digest_are_malformed(private_key: rsa.RSAPrivateKey) -> None:
    request = base_request()
    header = manual_signature(private_key, request, "(request-target) host date digest")
    bad_date = request.with_headers({"Signature": header, "Date": "yesterday"})
    assert verify_request(bad_date, private_key.public_key(), now=NOW).reason is Reason.MALFORMED
    bad_digest = request.with_headers({"Signature": header, "Digest": "SHA-256=@@@"})
    assert verify_request(bad_digest, private_key.public_key(), now=NOW).reason is Reason.MALFORMED
    md5_only = request.with_headers({"Signature": header, "Digest": "MD5=Sd/dVLAcvNLSq16eXua5uQ=="})
    assert verify_request(md5_only, private_key.public_key(), now=NOW).reason is Reason.DIGEST_MISMATCH


def test_no_signature() -> None:
    result = parse_signature(base_request())
    assert isinstance(result, VerificationResult)
    assert result.reason is Reason.NO_SIGNATURE
    assert result.scheme is None


def test_two_phase_api_exposes_key_id_before_any_key(private_key: rsa.RSAPrivateKey) -> None:
    request = sign_and_build(private_key, "POST", "https://b.example/inbox", b"{}")
    parsed = parse_signature(request)
    assert isinstance(parsed, CavageSignature)
    assert parsed.key_id == KEY_ID
    assert precheck(request, parsed, now=NOW).ok
    stale = precheck(request, parsed, now=NOW + 86400)
    assert (stale.reason, stale.key_id, stale.scheme) == (Reason.EXPIRED, KEY_ID, "cavage")
    result = verify_signature(request, parsed, private_key.public_key(), now=NOW)
    assert result.ok
    with pytest.raises(Unauthorized) as raised:
        stale.raise_for_failure()
    assert raised.value.status_code == 401
