"""The relying party's proof of an ID token, against a provider faked at the HTTP transport.

The provider here is a real signer (an RSA key of its own, a JWKS, a token
endpoint that checks the PKCE verifier); each attack test changes one thing
about what it answers and expects the sign-in refused. The flow against a real
provider process (panva's oidc-provider) is in test_sso_with_real_provider.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from activitypub.errors import BlockedDestination, PermanentFailure, SignInRefused
from federation.addresses import IPAddress
from federation.http import OutboundClient, OutboundSettings, build_http_client
from server.config import SsoSettings
from server.signin.identity_provider import IdentityProvider, PendingSignIn, code_challenge, new_pending

pytestmark = pytest.mark.anyio

ISSUER = "https://idp.corp/tenant"
REDIRECT_URI = "https://social.example/auth/sso/callback"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class FakeProvider:
    """An OpenID provider on the intranet (idp.corp and keys.corp resolve to private addresses)."""

    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"}))
    discovery_extra: dict[str, Any] = field(default_factory=dict)
    claims_change: Callable[[dict[str, Any]], dict[str, Any]] = lambda claims: claims
    sign: Callable[[dict[str, Any], dict[str, Any]], str] | None = None
    userinfo: dict[str, Any] = field(default_factory=dict)
    userinfo_sub: str = "248289761001"
    id_token_claims: dict[str, Any] = field(default_factory=lambda: {
        "preferred_username": "alice", "email": "Alice@Corp.example", "email_verified": True,
        "name": "Alice Liddell", "groups": ["staff", "comms"],
    })
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (challenge, nonce)
    jwks_fetches: int = 0
    token_requests: list[httpx.Request] = field(default_factory=list)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": "https://keys.corp/jwks",
            "userinfo_endpoint": f"{ISSUER}/me",
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            **self.discovery_extra,
        }

    def issue_code(self, authorization_url: str) -> str:
        query = parse_qs(urlsplit(authorization_url).query)
        code = f"code-{len(self.codes)}"
        self.codes[code] = (query["code_challenge"][0], query["nonce"][0])
        return code

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = self.claims_change({"iss": ISSUER, "aud": "insideout", "sub": "248289761001", "nonce": nonce,
                                     "iat": now, "exp": now + 300, **self.id_token_claims})
        header = {"alg": "RS256", "kid": self.key.kid}
        if self.sign is not None:
            return self.sign(header, claims)
        return jwt.encode(header, claims, self.key, algorithms=["RS256"])

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url).split("?")[0]
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return httpx.Response(200, json=self.discovery())
        if url == "https://keys.corp/jwks":
            self.jwks_fetches += 1
            return httpx.Response(200, json={"keys": [self.key.as_dict(private=False)]},
                                  headers={"content-type": "application/jwk-set+json"})
        if url == f"{ISSUER}/token":
            self.token_requests.append(request)
            form = parse_qs(request.content.decode())
            code = form.get("code", [""])[0]
            if code not in self.codes:
                return httpx.Response(400, json={"error": "invalid_grant"})
            challenge, nonce = self.codes.pop(code)
            if code_challenge(form["code_verifier"][0]) != challenge:
                return httpx.Response(400, json={"error": "invalid_grant"})
            return httpx.Response(200, json={"access_token": "at-1", "token_type": "Bearer",
                                             "id_token": self.id_token(nonce)})
        if url == f"{ISSUER}/me":
            return httpx.Response(200, json={"sub": self.userinfo_sub, **self.userinfo})
        return httpx.Response(404)


async def intranet(host: str, port: int) -> list[IPAddress]:
    table = {"idp.corp": "10.1.0.5", "keys.corp": "10.1.0.6", "other.corp": "10.1.0.7"}
    return [ipaddress.ip_address(table.get(host, "93.184.216.34"))]


def outbound(provider: FakeProvider) -> OutboundClient:
    settings = OutboundSettings(user_agent="test", federation_mode="allowlist", own_base_url="https://social.example")
    return build_http_client(settings, transport=httpx.MockTransport(provider.handle), resolver=intranet)


def sso_settings(**changes: Any) -> SsoSettings:
    return SsoSettings(issuer=ISSUER, client_id="insideout", client_secret="s3cret:&", groups_claim="groups",
                       **changes)


async def sign_in(provider: FakeProvider, idp: IdentityProvider, pending: PendingSignIn | None = None) -> Any:
    pending = pending or new_pending()
    code = provider.issue_code(await idp.authorization_url(pending))
    return await idp.finish(code, pending)


async def test_the_code_flow_proves_who_signed_in() -> None:
    provider = FakeProvider()
    async with outbound(provider) as http:
        idp = IdentityProvider(sso_settings(), http, REDIRECT_URI)
        pending = new_pending()
        url = await idp.authorization_url(pending)
        query = parse_qs(urlsplit(url).query)
        assert url.startswith(f"{ISSUER}/authorize?")
        assert query["code_challenge_method"] == ["S256"]
        assert query["code_challenge"] == [code_challenge(pending.code_verifier)]
        assert query["state"] == [pending.state] and query["nonce"] == [pending.nonce]
        assert query["redirect_uri"] == [REDIRECT_URI] and query["scope"] == ["openid profile email"]
        claims = await idp.finish(provider.issue_code(url), pending)
    assert claims.subject == "248289761001"
    assert claims.username == "alice" and claims.name == "Alice Liddell"
    assert claims.email == "alice@corp.example" and claims.email_verified
    assert claims.groups == ("staff", "comms")
    # The client secret went by HTTP Basic, each half form-encoded first (RFC 6749 section 2.3.1).
    basic = provider.token_requests[0].headers["authorization"].removeprefix("Basic ")
    assert base64.b64decode(basic).decode() == "insideout:s3cret%3A%26"
    assert b"client_secret" not in provider.token_requests[0].content


async def test_the_intranet_provider_is_reached_but_no_other_private_host() -> None:
    provider = FakeProvider()
    async with outbound(provider) as http:
        idp = IdentityProvider(sso_settings(), http, REDIRECT_URI)
        await sign_in(provider, idp)  # idp.corp and keys.corp answer from 10.1.0.x
        with pytest.raises(BlockedDestination):
            await http.get_json("https://other.corp/x", exempt_from_federation_policy=True)


async def test_claims_missing_from_the_id_token_come_from_userinfo() -> None:
    provider = FakeProvider(id_token_claims={}, userinfo={"preferred_username": "bob", "email": "bob@corp.example",
                                                          "email_verified": "true", "groups": "staff"})
    async with outbound(provider) as http:
        claims = await sign_in(provider, IdentityProvider(sso_settings(), http, REDIRECT_URI))
    assert (claims.username, claims.email, claims.email_verified, claims.groups) == (
        "bob", "bob@corp.example", True, ("staff",))


async def test_userinfo_about_someone_else_refuses_the_sign_in() -> None:
    provider = FakeProvider(id_token_claims={}, userinfo={"preferred_username": "mallory"}, userinfo_sub="other")
    async with outbound(provider) as http:
        with pytest.raises(SignInRefused):
            await sign_in(provider, IdentityProvider(sso_settings(), http, REDIRECT_URI))


async def test_keys_rotated_at_the_provider_are_fetched_again_once() -> None:
    provider = FakeProvider()
    async with outbound(provider) as http:
        idp = IdentityProvider(sso_settings(), http, REDIRECT_URI)
        await sign_in(provider, idp)
        provider.key = RSAKey.generate_key(2048, parameters={"kid": "k2", "alg": "RS256"})
        claims = await sign_in(provider, idp)
    assert claims.username == "alice"
    assert provider.jwks_fetches == 2


def hs256_with_public_key(provider: FakeProvider) -> Callable[[dict[str, Any], dict[str, Any]], str]:
    """The classic confusion attack: an HMAC whose secret is the provider's public key."""
    def sign(header: dict[str, Any], claims: dict[str, Any]) -> str:
        secret = provider.key.as_pem(private=False)
        signing_input = f"{b64url(json.dumps({**header, 'alg': 'HS256'}).encode())}.{b64url(json.dumps(claims).encode())}"
        return f"{signing_input}.{b64url(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"
    return sign


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64url(json.dumps({**header, 'alg': 'none'}).encode())}.{b64url(json.dumps(claims).encode())}."


def signed_by_stranger(header: dict[str, Any], claims: dict[str, Any]) -> str:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    return jwt.encode(header, claims, stranger, algorithms=["RS256"])


def ec_token(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return jwt.encode({**header, "alg": "ES256"}, claims, ECKey.generate_key("P-256"), algorithms=["ES256"])


ATTACKS: dict[str, dict[str, Any]] = {
    "another issuer": {"claims_change": lambda c: {**c, "iss": "https://evil.example/tenant"}},
    "another audience": {"claims_change": lambda c: {**c, "aud": "someone-else"}},
    "several audiences without azp": {"claims_change": lambda c: {**c, "aud": ["insideout", "other"]}},
    "azp of another client": {"claims_change": lambda c: {**c, "azp": "other"}},
    "expired": {"claims_change": lambda c: {**c, "exp": int(time.time()) - 120, "iat": int(time.time()) - 400}},
    "issued in the future": {"claims_change": lambda c: {**c, "iat": int(time.time()) + 300}},
    "issued long ago": {"claims_change": lambda c: {**c, "iat": int(time.time()) - 3600,
                                                    "exp": int(time.time()) + 300}},
    "not yet valid": {"claims_change": lambda c: {**c, "nbf": int(time.time()) + 300}},
    "another nonce": {"claims_change": lambda c: {**c, "nonce": "replayed"}},
    "no nonce": {"claims_change": lambda c: {k: v for k, v in c.items() if k != "nonce"}},
    "no sub": {"claims_change": lambda c: {k: v for k, v in c.items() if k != "sub"}},
    "exp as a string": {"claims_change": lambda c: {**c, "exp": str(c["exp"])}},
    "alg none": {"sign": unsigned},
    "signed by another key with the same kid": {"sign": signed_by_stranger},
    "ES256 the provider does not announce": {"sign": ec_token},
}


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_a_forged_or_stale_id_token_is_refused(attack: str) -> None:
    provider = FakeProvider(**ATTACKS[attack])
    async with outbound(provider) as http:
        with pytest.raises(SignInRefused):
            await sign_in(provider, IdentityProvider(sso_settings(), http, REDIRECT_URI))


async def test_an_hmac_keyed_with_the_public_key_is_refused_even_when_hs256_is_announced() -> None:
    provider = FakeProvider(discovery_extra={"id_token_signing_alg_values_supported": ["RS256", "HS256"]})
    provider.sign = hs256_with_public_key(provider)
    async with outbound(provider) as http:
        with pytest.raises(SignInRefused):
            await sign_in(provider, IdentityProvider(sso_settings(), http, REDIRECT_URI))


async def test_a_code_is_redeemed_once_and_only_with_its_verifier() -> None:
    provider = FakeProvider()
    async with outbound(provider) as http:
        idp = IdentityProvider(sso_settings(), http, REDIRECT_URI)
        pending = new_pending()
        code = provider.issue_code(await idp.authorization_url(pending))
        with pytest.raises(SignInRefused):
            await idp.finish(code, PendingSignIn(pending.state, pending.nonce, "another-verifier"))
        code = provider.issue_code(await idp.authorization_url(pending))
        await idp.finish(code, pending)
        with pytest.raises(SignInRefused):
            await idp.finish(code, pending)


@pytest.mark.parametrize(("change", "message"), [
    ({"issuer": "https://evil.example/tenant"}, "another issuer"),
    ({"code_challenge_methods_supported": ["plain"]}, "PKCE"),
    ({"id_token_signing_alg_values_supported": ["HS256", "none"]}, "public-key"),
    ({"token_endpoint": "not a url"}, "unusable"),
    ({"token_endpoint_auth_methods_supported": ["private_key_jwt"]}, "client secret"),
])
async def test_a_discovery_document_we_cannot_trust_is_refused_with_its_reason(
    change: dict[str, Any], message: str
) -> None:
    provider = FakeProvider(discovery_extra=change)
    async with outbound(provider) as http:
        with pytest.raises(PermanentFailure, match=message):
            await IdentityProvider(sso_settings(), http, REDIRECT_URI).metadata()


async def test_client_secret_post_when_the_provider_takes_no_basic() -> None:
    provider = FakeProvider(discovery_extra={"token_endpoint_auth_methods_supported": ["client_secret_post"]})
    async with outbound(provider) as http:
        await sign_in(provider, IdentityProvider(sso_settings(), http, REDIRECT_URI))
    form = parse_qs(provider.token_requests[0].content.decode())
    assert form["client_id"] == ["insideout"] and form["client_secret"] == ["s3cret:&"]
    assert "authorization" not in provider.token_requests[0].headers
