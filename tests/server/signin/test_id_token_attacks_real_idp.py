"""Forged ID tokens against the real provider's discovery and keys (panva's oidc-provider, tests/idp).

The relying party fetches the live provider's discovery document and JWKS
over loopback, as in production. The tokens are then made here, with the
provider's own signing key (the harness hands it over) or without it, each
wrong in one way, and each is refused. A correct one, made the same way, is
accepted, so the refusals are not an accident of the setup.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from activitypub.errors import SignInRefused
from federation.http import OutboundClient, OutboundSettings, build_http_client
from server.config import SsoSettings
from server.signin.identity_provider import IdentityProvider
from tests.idp_harness import OidcIdp

pytestmark = pytest.mark.anyio

NONCE = "n-0S6_WzA2Mj"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
async def provider(oidc_idp: OidcIdp) -> AsyncIterator[IdentityProvider]:
    http: OutboundClient = build_http_client(OutboundSettings(user_agent="test", own_base_url="http://127.0.0.1:9"))
    async with http:
        sso = SsoSettings(issuer=oidc_idp.issuer, client_id=oidc_idp.client_id, client_secret=oidc_idp.client_secret)
        yield IdentityProvider(sso, http, "http://127.0.0.1:9/auth/sso/callback")


def claims(oidc_idp: OidcIdp, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": oidc_idp.issuer, "aud": oidc_idp.client_id, "sub": "forged-sub", "nonce": NONCE,
            "iat": now, "exp": now + 300, **changes}


def signed(oidc_idp: OidcIdp, body: dict[str, Any], key: RSAKey | None = None) -> str:
    key = key or oidc_idp.signing_key
    return jwt.encode({"alg": "RS256", "kid": oidc_idp.signing_key.kid}, body, key, algorithms=["RS256"])


def unsigned(oidc_idp: OidcIdp) -> str:
    header = {"alg": "none", "kid": oidc_idp.signing_key.kid}
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims(oidc_idp)).encode())}."


def hmac_with_public_key(oidc_idp: OidcIdp) -> str:
    """HS256 keyed with the provider's public key, as published in its JWKS."""
    public = json.dumps(oidc_idp.jwks()["keys"][0]).encode()
    header = {"alg": "HS256", "kid": oidc_idp.signing_key.kid}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims(oidc_idp)).encode())}"
    return f"{signing_input}.{b64url(hmac.new(public, signing_input.encode(), hashlib.sha256).digest())}"


async def test_a_token_made_right_with_the_providers_key_is_accepted(
    provider: IdentityProvider, oidc_idp: OidcIdp
) -> None:
    verified = await provider.verify_id_token(signed(oidc_idp, claims(oidc_idp)), nonce=NONCE)
    assert verified["sub"] == "forged-sub"


@pytest.mark.parametrize("attack", [
    "another issuer", "another audience", "expired", "another nonce", "alg none", "hs256 with the public key",
    "another key under the provider's kid",
])
async def test_a_forged_token_is_refused(provider: IdentityProvider, oidc_idp: OidcIdp, attack: str) -> None:
    now = int(time.time())
    token = {
        "another issuer": lambda: signed(oidc_idp, claims(oidc_idp, iss="http://127.0.0.1:1/evil")),
        "another audience": lambda: signed(oidc_idp, claims(oidc_idp, aud="another-client")),
        "expired": lambda: signed(oidc_idp, claims(oidc_idp, iat=now - 900, exp=now - 300)),
        "another nonce": lambda: signed(oidc_idp, claims(oidc_idp, nonce="replayed")),
        "alg none": lambda: unsigned(oidc_idp),
        "hs256 with the public key": lambda: hmac_with_public_key(oidc_idp),
        "another key under the provider's kid": lambda: signed(
            oidc_idp, claims(oidc_idp), RSAKey.generate_key(2048, parameters={"kid": oidc_idp.signing_key.kid})),
    }[attack]()
    with pytest.raises(SignInRefused):
        await provider.verify_id_token(token, nonce=NONCE)
