"""A real OpenID Provider for the single sign-on tests: panva's oidc-provider, run by node.

The session-scoped fixture ``oidc_idp`` starts ``tests/idp/provider.mjs`` (see
``tests/idp/README.md``) once per test session:

1. on a free loopback port, the issuer being ``http://127.0.0.1:PORT``;
2. with its users, its clients and its RS256 signing key in files of a temporary directory.
   The provider reads the users and clients again on every use, so a test adds users and
   redirect URIs while the one process serves the whole session; the tests also hold the
   private signing key, to forge tokens the IdP's JWKS verifies;
3. it waits for the ready line and for discovery to answer, and yields an ``OidcIdp``;
4. at the end it stops the process; the process also exits by itself when its standard
   input closes, so a test run that dies does not leave it behind.

It fails, never skips, when node or ``tests/idp/node_modules`` is missing: the suite must
really run it, and ``scripts/install-test-tools`` installs both.

``OidcIdp.login`` signs in through the HTML forms with any httpx client, as a person would,
and stops at the redirect back to the relying party::

    user = oidc_idp.new_user(groups=("engineering",), email_verified=False)
    oidc_idp.allow_redirect_uri(callback)
    request = oidc_idp.authorization_request(callback)
    with httpx.Client(trust_env=False) as browser:
        redirect = oidc_idp.login(browser, request.url, user.username, user.password)
    # redirect: "<callback>?code=...&state=...&iss=..."
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import re
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
import pytest
from joserfc import jwk

from tests.idp_pages import parse_page

IDP_DIR = Path(__file__).resolve().parent / "idp"
PROVIDER = IDP_DIR / "provider.mjs"
READY = re.compile(r"^insideout-test-idp ready at (http://127\.0\.0\.1:\d+)$", re.MULTILINE)
START_TIMEOUT = 30.0  # seconds, for node to load oidc-provider and listen
SCOPE = "openid profile email groups"
DEFAULT_REDIRECT_URI = "http://127.0.0.1/auth/sso/callback"  # until a test allows its own
MAX_STEPS = 12  # redirects and forms in one login; the usual flow takes 6
INSTALL_HINT = "run scripts/install-test-tools (it installs node and the IdP's npm packages)"


class IdpFlowError(Exception):
    """The IdP answered something the login flow did not expect (an error page, a loop)."""


class IdpLoginRejected(IdpFlowError):
    """The login form came back with an error instead of a redirect: ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IdpUser:
    sub: str
    username: str
    password: str
    name: str
    email: str
    email_verified: bool = True
    groups: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "groups": list(self.groups)}


@dataclass(frozen=True)
class IdpClient:
    """A confidential client; ``consent="form"`` shows the Continue page, "auto" grants at once."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    token_endpoint_auth_method: str = "client_secret_basic"
    consent: Literal["auto", "form"] = "auto"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "redirect_uris": list(self.redirect_uris)}


@dataclass(frozen=True)
class AuthorizationRequest:
    """One authorization URL and the secrets the relying party keeps until the callback."""

    url: str
    redirect_uri: str
    state: str
    nonce: str
    code_verifier: str


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _write_json(path: Path, value: object) -> None:
    """Replace the file whole, so the provider never reads half of it."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(value, indent=2), encoding="utf-8")
    os.replace(partial, path)


class OidcIdp:
    """The running provider: its issuer, its one first-party client, its users and its key."""

    def __init__(self, issuer: str, directory: Path, signing_key: jwk.RSAKey, client: IdpClient) -> None:
        self.issuer = issuer
        self.signing_key = signing_key  # the private half of the JWKS; for forging tokens in attack tests
        self.client = client
        self.users_file = directory / "users.json"
        self.clients_file = directory / "clients.json"
        self._users: dict[str, IdpUser] = {}
        self._clients: dict[str, IdpClient] = {client.client_id: client}
        self._numbers = itertools.count(1)
        self._discovery: dict[str, Any] | None = None
        self._http = httpx.Client(trust_env=False, timeout=10)  # for our own requests: discovery, JWKS, token
        self._write_users()
        self._write_clients()

    @property
    def client_id(self) -> str:
        return self.client.client_id

    @property
    def client_secret(self) -> str:
        return self.client.client_secret

    # --- users ---------------------------------------------------------------------------------

    def add_user(self, user: IdpUser) -> IdpUser:
        """Add the user, or replace the one with the same username or sub."""
        for key, existing in list(self._users.items()):
            if existing.username == user.username or existing.sub == user.sub:
                del self._users[key]
        self._users[user.username] = user
        self._write_users()
        return user

    def set_users(self, users: Iterable[IdpUser]) -> None:
        self._users = {user.username: user for user in users}
        self._write_users()

    def remove_user(self, username: str) -> None:
        self._users.pop(username, None)
        self._write_users()

    def new_user(self, **fields: Any) -> IdpUser:
        """A user with unique sub, username, email and password; ``fields`` override any of them."""
        number = next(self._numbers)
        username = fields.pop("username", f"sso_user_{number}")
        defaults: dict[str, Any] = {
            "sub": f"idp-{uuid.uuid4()}",
            "username": username,
            "password": secrets.token_urlsafe(12),
            "name": f"SSO User {number}",
            "email": f"{username}@example.test",
        }
        return self.add_user(IdpUser(**{**defaults, **fields}))

    def _write_users(self) -> None:
        _write_json(self.users_file, [user.as_json() for user in self._users.values()])

    # --- clients -------------------------------------------------------------------------------

    def set_redirect_uris(self, uris: Iterable[str]) -> None:
        """Replace the first-party client's redirect URIs."""
        self.add_client(replace(self.client, redirect_uris=tuple(uris)))

    def allow_redirect_uri(self, uri: str) -> None:
        """Add one redirect URI to the first-party client's, keeping the others."""
        if uri not in self.client.redirect_uris:
            self.set_redirect_uris((*self.client.redirect_uris, uri))

    def add_client(self, client: IdpClient) -> IdpClient:
        """Register another client (for audience confusion tests), or replace one by client_id."""
        self._clients[client.client_id] = client
        if client.client_id == self.client.client_id:
            self.client = client
        self._write_clients()
        return client

    def _write_clients(self) -> None:
        _write_json(self.clients_file, [client.as_json() for client in self._clients.values()])

    # --- the provider's documents --------------------------------------------------------------

    @property
    def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            self._discovery = self._get_json("/.well-known/openid-configuration")
        return self._discovery

    def endpoint(self, name: str) -> str:
        """``endpoint("token")`` is discovery's ``token_endpoint``; ``endpoint("jwks")``, its jwks_uri."""
        value = self.discovery["jwks_uri" if name == "jwks" else f"{name}_endpoint"]
        assert isinstance(value, str)
        return value

    def jwks(self) -> dict[str, Any]:
        return self._get_json(self.endpoint("jwks"))

    def _get_json(self, url: str) -> dict[str, Any]:
        response = self._http.get(httpx.URL(self.issuer).join(url))
        response.raise_for_status()
        document = response.json()
        assert isinstance(document, dict)
        return document

    def close(self) -> None:
        self._http.close()

    # --- the authorization code flow -----------------------------------------------------------

    def authorization_request(
        self, redirect_uri: str, *, scope: str = SCOPE, client_id: str | None = None, **params: str
    ) -> AuthorizationRequest:
        """A fresh state, nonce and PKCE (S256) verifier, and the URL that carries them."""
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)  # 64 characters; RFC 7636 asks for 43 to 128
        query = {
            "response_type": "code",
            "client_id": client_id or self.client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
            **params,
        }
        url = f"{self.endpoint('authorization')}?{urlencode(query)}"
        return AuthorizationRequest(url, redirect_uri, state, nonce, verifier)

    def login(self, client: httpx.Client, authorization_url: str, username: str, password: str) -> str:
        """Sign in through the IdP's forms; return the redirect to the relying party, unfollowed.

        Raises ``IdpLoginRejected`` when the login form comes back with an error, and
        ``IdpFlowError`` on an error page.
        """
        request = client.build_request("GET", authorization_url)
        for _ in range(MAX_STEPS):
            step = self._next_step(client, client.send(request, follow_redirects=False), username, password)
            if isinstance(step, str):
                return step
            request = step
        raise IdpFlowError(f"no redirect to the relying party after {MAX_STEPS} steps")

    async def login_async(
        self, client: httpx.AsyncClient, authorization_url: str, username: str, password: str
    ) -> str:
        """``login`` with an ``httpx.AsyncClient``."""
        request = client.build_request("GET", authorization_url)
        for _ in range(MAX_STEPS):
            step = self._next_step(client, await client.send(request, follow_redirects=False), username, password)
            if isinstance(step, str):
                return step
            request = step
        raise IdpFlowError(f"no redirect to the relying party after {MAX_STEPS} steps")

    def _next_step(
        self, client: httpx.Client | httpx.AsyncClient, response: httpx.Response, username: str, password: str
    ) -> httpx.Request | str:
        """Follow the IdP's own redirects, fill its forms; stop at a redirect that leaves it."""
        if response.is_redirect:
            location = response.url.join(response.headers["location"])
            issuer = httpx.URL(self.issuer)
            if (location.scheme, location.host, location.port) != (issuer.scheme, issuer.host, issuer.port):
                return str(location)
            return client.build_request("GET", location)
        page = parse_page(response.text)
        if response.status_code != 200:
            description = page.texts.get("error_description") or response.text[:500]
            raise IdpFlowError(f"{response.status_code} from {response.url}: {page.texts.get('error')}: {description}")
        if "login-error" in page.texts:
            raise IdpLoginRejected(page.texts["login-error"].strip())
        if "login-form" in page.forms:
            form = page.forms["login-form"]
            data = {**form.fields, "username": username, "password": password}
            return client.build_request("POST", response.url.join(form.action), data=data)
        if "consent-form" in page.forms:
            form = page.forms["consent-form"]
            return client.build_request("POST", response.url.join(form.action), data=form.fields)
        raise IdpFlowError(f"unexpected page at {response.url}: {response.text[:500]}")

    def exchange_code(
        self, code: str, request: AuthorizationRequest, *, auth_method: str = "client_secret_basic",
        client: IdpClient | None = None,
    ) -> dict[str, Any]:
        """The token endpoint's answer for a code, as the relying party would ask for it."""
        client = client or self.client
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": request.redirect_uri,
                "code_verifier": request.code_verifier}
        if auth_method == "client_secret_post":
            data |= {"client_id": client.client_id, "client_secret": client.client_secret}
            response = self._http.post(self.endpoint("token"), data=data)
        else:
            response = self._http.post(self.endpoint("token"), data=data, auth=(client.client_id, client.client_secret))
        if response.status_code != 200:
            raise IdpFlowError(f"token endpoint: {response.status_code} {response.text}")
        tokens = response.json()
        assert isinstance(tokens, dict)
        return tokens


# ---------------------------------------------------------------------------------------------
# Starting and stopping the process
# ---------------------------------------------------------------------------------------------


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not installed, and the SSO tests need a real OpenID Provider: {INSTALL_HINT}")
    if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(f"{IDP_DIR / 'node_modules'} lacks oidc-provider: {INSTALL_HINT}")
    return node


def _wait_ready(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = READY.search(log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found[1]
        if process.poll() is not None:
            break
        time.sleep(0.05)
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
    pytest.fail(f"the test IdP did not start (exit code {process.poll()}); its output:\n{tail}")


def _wait_for_discovery(idp: OidcIdp) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            idp.endpoint("authorization")  # fetches and keeps the discovery document
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def sso_environment(idp: OidcIdp, **settings: str) -> dict[str, str]:
    """The INSIDEOUT_SSO_* settings of a server signing in through ``idp``; ``settings`` adds more (lower case keys)."""
    environment = {
        "INSIDEOUT_SSO_ISSUER": idp.issuer,
        "INSIDEOUT_SSO_CLIENT_ID": idp.client_id,
        "INSIDEOUT_SSO_CLIENT_SECRET": idp.client_secret,
        "INSIDEOUT_SSO_DISPLAY_NAME": "Acme login",
    }
    return environment | {f"INSIDEOUT_SSO_{key.upper()}": value for key, value in settings.items()}


@contextmanager
def running_idp(directory: Path) -> Iterator[OidcIdp]:
    """Start the provider with its files in ``directory``; stop it on leaving."""
    node = _node()
    signing_key = jwk.generate_key("RSA", 2048, parameters={"alg": "RS256", "use": "sig"}, auto_kid=True)
    keys_file = directory / "jwks.json"
    _write_json(keys_file, {"keys": [signing_key.as_dict(private=True)]})
    client = IdpClient("insideout", secrets.token_urlsafe(24), (DEFAULT_REDIRECT_URI,))
    idp = OidcIdp("", directory, signing_key, client)  # writes the users and clients files
    log = directory / "provider.log"
    command = [node, str(PROVIDER), "--port", "0", "--users", str(idp.users_file),
               "--clients", str(idp.clients_file), "--keys", str(keys_file), "--exit-with-stdin"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=IDP_DIR, stdin=subprocess.PIPE, stdout=output, stderr=subprocess.STDOUT)
    try:
        idp.issuer = _wait_ready(process, log)
        _wait_for_discovery(idp)
        yield idp
    finally:
        _stop(process)
        idp.close()


@pytest.fixture(scope="session")
def oidc_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcIdp]:
    """One real OpenID Provider for the whole test session; see this module's docstring."""
    with running_idp(tmp_path_factory.mktemp("oidc-idp")) as idp:
        yield idp
