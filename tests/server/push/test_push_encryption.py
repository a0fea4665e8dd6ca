"""RFC 8291 encryption against the RFC's own worked example (Appendix A)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from activitypub.errors import InvalidInput, PayloadTooLarge
from server.push.encryption import (
    MAX_PLAINTEXT,
    b64url_decode,
    b64url_encode,
    decrypt,
    encrypt,
    load_public_key,
)

PLAINTEXT = b"When I grow up, I want to be a watermelon"
AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
AS_PUBLIC = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
SALT = "DGv6ra1nlYgDCS1FRnbzlw"
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
BODY = (
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8w"
    "EqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)


def _private(value: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(b64url_decode(value), "big"), ec.SECP256R1())


def test_rfc8291_appendix_a_body() -> None:
    body = encrypt(PLAINTEXT, UA_PUBLIC, AUTH, salt=b64url_decode(SALT), server_key=_private(AS_PRIVATE))
    assert b64url_encode(body) == BODY


def test_rfc8291_header_layout() -> None:
    body = b64url_decode(BODY)
    assert body[:16] == b64url_decode(SALT)
    assert body[16:20] == (4096).to_bytes(4, "big")
    assert body[20] == 65
    assert body[21:86] == b64url_decode(AS_PUBLIC)
    assert len(body) == 86 + len(PLAINTEXT) + 1 + 16


def test_rfc8291_appendix_a_decrypts() -> None:
    assert decrypt(b64url_decode(BODY), _private(UA_PRIVATE), AUTH) == PLAINTEXT


def test_round_trip_with_fresh_keys_and_padding() -> None:
    ua_key = ec.generate_private_key(ec.SECP256R1())
    from server.push.encryption import public_key_bytes

    p256dh = b64url_encode(public_key_bytes(ua_key.public_key()))
    auth = b64url_encode(b"0123456789abcdef")
    first = encrypt(b'{"title":"hi"}', p256dh, auth, padding=10)
    second = encrypt(b'{"title":"hi"}', p256dh, auth, padding=10)
    assert first != second  # fresh salt and ephemeral key every time
    assert decrypt(first, ua_key, auth) == b'{"title":"hi"}'
    assert decrypt(second, ua_key, auth + "==") == b'{"title":"hi"}'


def test_wrong_auth_secret_fails() -> None:
    with pytest.raises(InvalidInput):
        decrypt(b64url_decode(BODY), _private(UA_PRIVATE), b64url_encode(b"x" * 16))


def test_tampered_body_fails() -> None:
    body = bytearray(b64url_decode(BODY))
    body[-1] ^= 1
    with pytest.raises(InvalidInput):
        decrypt(bytes(body), _private(UA_PRIVATE), AUTH)


def test_largest_payload_fits_4096_bytes() -> None:
    body = encrypt(b"a" * MAX_PLAINTEXT, UA_PUBLIC, AUTH)
    assert len(body) == 4096
    with pytest.raises(PayloadTooLarge):
        encrypt(b"a" * (MAX_PLAINTEXT + 1), UA_PUBLIC, AUTH)


@pytest.mark.parametrize(
    "p256dh",
    [
        "",
        "not base64 !!",
        b64url_encode(b"\x04" + b"\x01" * 64),  # right length, not on the curve
        b64url_encode(b64url_decode(UA_PUBLIC)[:33]),  # compressed-length point
    ],
)
def test_bad_p256dh_is_invalid_input(p256dh: str) -> None:
    with pytest.raises(InvalidInput):
        encrypt(PLAINTEXT, p256dh, AUTH)


def test_bad_auth_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        encrypt(PLAINTEXT, UA_PUBLIC, b64url_encode(b"short"))


def test_standard_base64_keys_are_accepted() -> None:
    standard = UA_PUBLIC.replace("-", "+").replace("_", "/") + "="
    assert load_public_key(standard).public_numbers() == load_public_key(UA_PUBLIC).public_numbers()
