"""The organisation's OpenID Connect provider, as this server (the relying party) sees it.

The authorization code flow with PKCE (S256), ``state`` and ``nonce``
(OpenID Connect Core 1.0, section 3.1): ``new_pending`` makes the secrets the
browser's round trip must bring back, ``authorization_url`` sends it to the
provider, and ``finish`` redeems the code and proves the ID token:

* its signature, against the provider's JWKS, fetched again once when a key id
  we have not seen appears (how providers rotate their keys);
* only an asymmetric algorithm the provider announces, with a key of the
  matching type whose own ``alg`` (when it names one) agrees: never ``none``,
  never an HMAC keyed with a public key;
* ``iss`` is the discovered issuer, ``aud`` names our client (and ``azp`` does
  whenever it is present), ``exp``, ``nbf`` and ``iat`` hold with a minute's
  leeway, and the ``nonce`` is the one this sign-in sent.

Claims the ID token lacks (OIDC Core 5.4 lets a provider keep them for the
userinfo endpoint) are read from userinfo, whose ``sub`` must match.

The provider is reached through the one outbound client, exempt from the
federation policy (it is no federation peer) and allowed on private
addresses: the configured issuer's host and the hosts its discovery names.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, Key

from activitypub.errors import PermanentFailure, SignInRefused
from activitypub.json_reader import UntrustedJsonError, loads_untrusted
from federation.http import JSON_MEDIA_TYPES, OutboundClient
from server.config import SsoSettings

# The signature algorithms an ID token may use: public-key ones only (RFC 7518 section 3, RFC 8037).
KEY_TYPES_BY_ALGORITHM = {
    "RS256": "RSA", "RS384": "RSA", "RS512": "RSA",
    "PS256": "RSA", "PS384": "RSA", "PS512": "RSA",
    "ES256": "EC", "ES384": "EC", "ES512": "EC",
    "EdDSA": "OKP",
}
LEEWAY_SECONDS = 60
# An ID token is redeemed seconds after it is issued; an old one is a replay.
MAX_ID_TOKEN_AGE_SECONDS = 600
METADATA_SECONDS = 3600
DISCOVERY_PATH = "/.well-known/openid-configuration"
CALLBACK_PATH = "/auth/sso/callback"
JWKS_MEDIA_TYPES = JSON_MEDIA_TYPES | {"application/jwk-set+json"}


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """What the provider's discovery document says, reduced to what the code flow needs."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    signing_algorithms: tuple[str, ...]
    client_secret_basic: bool


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """The secrets of one sign-in between leaving for the provider and coming back."""

    state: str
    nonce: str
    code_verifier: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class IdentityClaims:
    """Who the provider says signed in."""

    subject: str
    username: str | None
    email: str | None
    email_verified: bool
    name: str | None
    groups: tuple[str, ...]


def callback_url(base_url: str) -> str:
    """The redirect URI to register at the provider."""
    return base_url.rstrip("/") + CALLBACK_PATH


def new_pending() -> PendingSignIn:
    return PendingSignIn(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48))


def code_challenge(code_verifier: str) -> str:
    """PKCE S256 (RFC 7636 section 4.2)."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _absolute_url(document: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise PermanentFailure("The identity provider's discovery is incomplete", detail=f"{name} is missing")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise PermanentFailure("The identity provider's discovery is unusable", detail=f"{name} is {value!r}")
    return value


def _strings(document: Mapping[str, Any], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = document.get(name)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PermanentFailure("The identity provider's discovery is unusable", detail=f"{name} is not a list")
    return tuple(value)


def parse_metadata(document: Mapping[str, Any], configured_issuer: str) -> ProviderMetadata:
    """Check a discovery document (OIDC Discovery 1.0 section 4.3) against the configured issuer."""
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != configured_issuer.rstrip("/"):
        raise PermanentFailure("The identity provider's discovery names another issuer",
                               detail=f"configured {configured_issuer!r}, discovery says {issuer!r}")
    challenge_methods = _strings(document, "code_challenge_methods_supported", ("S256",))
    if "S256" not in challenge_methods:
        raise PermanentFailure("The identity provider does not offer PKCE with S256",
                               detail=f"code_challenge_methods_supported: {challenge_methods}")
    announced = _strings(document, "id_token_signing_alg_values_supported", ("RS256",))
    algorithms = tuple(alg for alg in announced if alg in KEY_TYPES_BY_ALGORITHM)
    if not algorithms:
        raise PermanentFailure("The identity provider signs ID tokens with no public-key algorithm",
                               detail=f"id_token_signing_alg_values_supported: {announced}")
    auth_methods = _strings(document, "token_endpoint_auth_methods_supported", ("client_secret_basic",))
    if "client_secret_basic" not in auth_methods and "client_secret_post" not in auth_methods:
        raise PermanentFailure("The identity provider takes no client secret at its token endpoint",
                               detail=f"token_endpoint_auth_methods_supported: {auth_methods}")
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=_absolute_url(document, "authorization_endpoint") or "",
        token_endpoint=_absolute_url(document, "token_endpoint") or "",
        jwks_uri=_absolute_url(document, "jwks_uri") or "",
        userinfo_endpoint=_absolute_url(document, "userinfo_endpoint", required=False),
        signing_algorithms=algorithms,
        client_secret_basic="client_secret_basic" in auth_methods,
    )


def signing_keys(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The JWKS entries that may verify a signature: public-key types, meant for signing."""
    keys = document.get("keys")
    if not isinstance(keys, list):
        raise PermanentFailure("The identity provider's JWKS is unusable", detail="no keys array")
    return [key for key in keys
            if isinstance(key, dict) and key.get("kty") in ("RSA", "EC", "OKP") and key.get("use", "sig") == "sig"]


def choose_key(keys: list[Mapping[str, Any]], kid: str | None, algorithm: str) -> Key | None:
    """The key for this token: the named one, of the type the algorithm needs, agreeing with its own ``alg``."""
    key_type = KEY_TYPES_BY_ALGORITHM.get(algorithm)
    fitting = [key for key in keys
               if key_type is not None and key.get("kty") == key_type and key.get("alg", algorithm) == algorithm
               and (kid is None or key.get("kid") == kid)]
    if len(fitting) != 1:
        return None
    public = {name: value for name, value in fitting[0].items() if name not in ("d", "p", "q", "dp", "dq", "qi")}
    try:
        return JWKRegistry.import_key(public)
    except (JoseError, ValueError, TypeError):
        return None


def unverified_header(token: str) -> Mapping[str, Any]:
    """The JOSE header, read only to pick the algorithm and key before verifying."""
    segments = token.split(".")
    if len(segments) != 3:
        raise SignInRefused(detail="the ID token is not a compact JWS")
    try:
        header = loads_untrusted(base64.urlsafe_b64decode(segments[0] + "=" * (-len(segments[0]) % 4)))
    except (UntrustedJsonError, ValueError) as exc:
        raise SignInRefused(detail="the ID token's header is not JSON") from exc
    if not isinstance(header, dict):
        raise SignInRefused(detail="the ID token's header is not an object")
    return header


def check_id_token_claims(
    claims: Mapping[str, Any], *, issuer: str, client_id: str, nonce: str, now: float
) -> None:
    """OIDC Core 3.1.3.7, steps 2-11, on a token whose signature is already proven."""
    if claims.get("iss") != issuer:
        raise SignInRefused(detail=f"iss {claims.get('iss')!r} is not {issuer!r}")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        raise SignInRefused(detail=f"aud {audience!r} does not name {client_id!r}")
    authorized_party = claims.get("azp")
    if (len(audiences) > 1 or authorized_party is not None) and authorized_party != client_id:
        raise SignInRefused(detail=f"azp {authorized_party!r} is not {client_id!r}")
    times = {name: claims.get(name) for name in ("exp", "iat", "nbf")}
    for name, value in times.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise SignInRefused(detail=f"{name} is not a number")
    expires, issued, not_before = times["exp"], times["iat"], times["nbf"]
    if expires is None or expires + LEEWAY_SECONDS <= now:
        raise SignInRefused(detail="the ID token has expired")
    if issued is None or issued - LEEWAY_SECONDS > now or now - issued > MAX_ID_TOKEN_AGE_SECONDS + LEEWAY_SECONDS:
        raise SignInRefused(detail="the ID token's iat is in the future or too old")
    if not_before is not None and not_before - LEEWAY_SECONDS > now:
        raise SignInRefused(detail="the ID token is not valid yet")
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
        raise SignInRefused(detail="the ID token's nonce is not this sign-in's")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SignInRefused(detail="the ID token has no sub")


def identity_from_claims(claims: Mapping[str, Any], settings: SsoSettings) -> IdentityClaims:
    def text(name: str) -> str | None:
        value = claims.get(name)
        return value.strip() or None if isinstance(value, str) else None

    verified = claims.get("email_verified")
    groups: object = claims.get(settings.groups_claim) if settings.groups_claim else None
    if isinstance(groups, str):
        groups = [groups]
    return IdentityClaims(
        subject=str(claims["sub"]),
        username=text(settings.username_claim),
        email=(text("email") or "").lower() or None,
        # Some providers (Cognito) send the boolean as a string.
        email_verified=verified is True or verified == "true",
        name=text("name"),
        groups=tuple(group for group in groups if isinstance(group, str)) if isinstance(groups, list) else (),
    )


class IdentityProvider:
    """One configured OpenID provider: discovery and keys cached, the code flow carried out."""

    def __init__(
        self, settings: SsoSettings, http: OutboundClient, redirect_uri: str, *, now: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.redirect_uri = redirect_uri
        self._http = http
        self._now = now
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._keys: list[Mapping[str, Any]] | None = None
        http.private_hosts.add(urlsplit(settings.issuer).hostname or "")

    async def metadata(self, *, refresh: bool = False) -> ProviderMetadata:
        if self._metadata is not None and not refresh and self._now() - self._metadata_at < METADATA_SECONDS:
            return self._metadata
        discovery = self.settings.issuer.rstrip("/") + DISCOVERY_PATH
        fetched = await self._http.get_json(discovery, accept="application/json", exempt_from_federation_policy=True)
        metadata = parse_metadata(fetched.document, self.settings.issuer)
        for url in (metadata.authorization_endpoint, metadata.token_endpoint, metadata.jwks_uri,
                    metadata.userinfo_endpoint):
            if url:
                self._http.private_hosts.add(urlsplit(url).hostname or "")
        if self._metadata is None or metadata.jwks_uri != self._metadata.jwks_uri:
            self._keys = None
        self._metadata, self._metadata_at = metadata, self._now()
        return metadata

    async def key_set(self, *, refresh: bool = False) -> list[Mapping[str, Any]]:
        if self._keys is None or refresh:
            metadata = await self.metadata()
            fetched = await self._http.get_json(metadata.jwks_uri, accept="application/jwk-set+json, application/json",
                                                media_types=JWKS_MEDIA_TYPES, exempt_from_federation_policy=True)
            self._keys = signing_keys(fetched.document)
        return self._keys

    async def authorization_url(self, pending: PendingSignIn) -> str:
        metadata = await self.metadata()
        query = urlencode({
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.settings.scopes),
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": code_challenge(pending.code_verifier),
            "code_challenge_method": "S256",
        }, quote_via=quote)
        separator = "&" if urlsplit(metadata.authorization_endpoint).query else "?"
        return f"{metadata.authorization_endpoint}{separator}{query}"

    async def finish(self, code: str, pending: PendingSignIn) -> IdentityClaims:
        """Redeem the code and prove who signed in; ``SignInRefused`` when the answer proves nothing."""
        metadata = await self.metadata()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "code_verifier": pending.code_verifier}
        headers: dict[str, str] = {}
        if metadata.client_secret_basic:
            # RFC 6749 section 2.3.1: both halves form-encoded before Basic.
            pair = f"{quote(self.settings.client_id, safe='')}:{quote(self.settings.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        else:
            form |= {"client_id": self.settings.client_id, "client_secret": self.settings.client_secret}
        try:
            answer = await self._http.post_form(metadata.token_endpoint, form, headers,
                                                exempt_from_federation_policy=True)
        except PermanentFailure as exc:
            raise SignInRefused(detail=f"the token endpoint refused the code: {exc.detail}") from exc
        id_token = answer.document.get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused(detail="the token endpoint sent no ID token")
        claims = await self.verify_id_token(id_token, nonce=pending.nonce)
        access_token = answer.document.get("access_token")
        if self._lacks_claims(claims) and metadata.userinfo_endpoint and isinstance(access_token, str):
            claims = await self._with_userinfo(claims, metadata.userinfo_endpoint, access_token)
        return identity_from_claims(claims, self.settings)

    async def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        metadata = await self.metadata()
        header = unverified_header(id_token)
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in metadata.signing_algorithms:
            raise SignInRefused(detail=f"the ID token's algorithm {algorithm!r} is not allowed")
        kid = header.get("kid") if isinstance(header.get("kid"), str) else None
        key = choose_key(await self.key_set(), kid, algorithm)
        if key is None:
            # An unknown key id: the provider may have rotated its keys since we fetched them.
            key = choose_key(await self.key_set(refresh=True), kid, algorithm)
        if key is None:
            raise SignInRefused(detail=f"no key of the provider verifies kid {kid!r} with {algorithm}")
        try:
            token = jwt.decode(id_token, key, algorithms=[algorithm])
        except (JoseError, ValueError) as exc:
            raise SignInRefused(detail=f"the ID token's signature does not verify: {exc}") from exc
        claims = dict(token.claims)
        check_id_token_claims(claims, issuer=metadata.issuer, client_id=self.settings.client_id, nonce=nonce,
                              now=self._now())
        return claims

    def _lacks_claims(self, claims: Mapping[str, Any]) -> bool:
        wanted = [self.settings.username_claim, "email"] + ([self.settings.groups_claim]
                                                            if self.settings.groups_claim else [])
        return any(name not in claims for name in wanted)

    async def _with_userinfo(self, claims: dict[str, Any], endpoint: str, access_token: str) -> dict[str, Any]:
        fetched = await self._http.get_json(endpoint, accept="application/json",
                                            headers={"Authorization": f"Bearer {access_token}"},
                                            exempt_from_federation_policy=True)
        if fetched.document.get("sub") != claims["sub"]:
            # OIDC Core 5.3.2: a userinfo answer about someone else is discarded, and so is this sign-in.
            raise SignInRefused(detail="userinfo names another sub than the ID token")
        return {**fetched.document, **claims}
