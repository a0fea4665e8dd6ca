"""The employee lifecycle end to end: SCIM provisions, the person signs in through the IdP, SCIM offboards.

A real OpenID provider (tests/idp), a live server on a socket, Mastodon.py
for the app, and SCIM requests as Entra ID sends them. The person's email is
unverified at the provider, so the only way their sign-in can find the
account SCIM made is the SCIM step: ``username_claim`` matched to ``userName``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Mapping

import httpx
import pytest
from mastodon import Mastodon, MastodonUnauthorizedError

from server.services.scim_tokens import ScimTokens
from storage import open_storage
from tests.idp_harness import IdpUser, OidcIdp, sso_environment
from tests.integration.conftest import LiveServer
from tests.integration.oauth_driver import Browser, only_form, query_of
from tests.integration.test_sso_mastodon_py import CALLBACK, SCOPES, mastodon_app, through_the_provider

WITHIN = 1.0
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def live_environment(oidc_idp: OidcIdp) -> Mapping[str, str]:
    return sso_environment(oidc_idp)


@pytest.fixture
def sso_server(live_server: LiveServer, oidc_idp: OidcIdp) -> LiveServer:
    oidc_idp.allow_redirect_uri(f"{live_server.base_url}/auth/sso/callback")
    return live_server


@pytest.fixture
def browser(sso_server: LiveServer) -> Iterator[Browser]:
    client = Browser(sso_server.base_url)
    yield client
    client.close()


@pytest.fixture
def scim(sso_server: LiveServer) -> Iterator[httpx.Client]:
    token = asyncio.run(_scim_token(sso_server.settings.storage.database))
    with httpx.Client(base_url=f"{sso_server.base_url}/scim/v2", timeout=10,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


async def _scim_token(database: str) -> str:
    storage = open_storage(database)
    await storage.open()
    try:
        return (await ScimTokens(storage).create("entra", by="test")).secret
    finally:
        await storage.close()


def signed_in_app(server: LiveServer, idp: OidcIdp, browser: Browser, user: IdpUser) -> Mastodon:
    api = mastodon_app(server)
    sign_in = browser.open(api.auth_request_url(redirect_uris=CALLBACK, scopes=SCOPES, state="s", allow_http=True))
    consent = browser.open(through_the_provider(browser, idp, sign_in, user))
    answer = browser.submit(only_form(consent.text), decision="approve")
    assert answer.status_code == 302, answer.text
    api.log_in(code=query_of(answer.headers["location"])["code"], redirect_uri=CALLBACK, scopes=SCOPES,
               allow_http=True)
    return api


class StreamWatch:
    """A user stream read in a thread; ``ended_at`` is when the server closed it."""

    def __init__(self, base_url: str, token: str) -> None:
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.ended_at = 0.0
        self._thread = threading.Thread(target=self._read, args=(base_url, token), daemon=True)
        self._thread.start()

    def _read(self, base_url: str, token: str) -> None:
        with httpx.Client(base_url=base_url, timeout=httpx.Timeout(5, read=30)) as client, \
                client.stream("GET", "/api/v1/streaming/user", headers={"Authorization": f"Bearer {token}"}) as sse:
            for line in sse.iter_lines():
                if line.startswith(":"):
                    self.opened.set()
        self.ended_at = time.perf_counter()
        self.ended.set()


def test_scim_provisions_the_idp_signs_in_and_an_entra_patch_offboards_within_a_second(
    sso_server: LiveServer, oidc_idp: OidcIdp, browser: Browser, scim: httpx.Client
) -> None:
    # Given a department and a person made by SCIM, the person a member of it
    group = scim.post("/Groups", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                       "displayName": "Field Ops"})
    assert group.status_code == 201, group.text
    person = scim.post("/Users", json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "fox.mulder", "active": True,
        "displayName": "Fox Mulder", "emails": [{"value": "fox@corp.example", "type": "work", "primary": True}],
    })
    assert person.status_code == 201, person.text
    user_id = person.json()["id"]
    joined = scim.patch(f"/Groups/{group.json()['id']}", json={
        "schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": [{"value": user_id}]}]})
    assert joined.status_code == 204

    # When the person signs in from a Mastodon app through the provider (their email there is unverified)
    idp_user = oidc_idp.new_user(username="fox.mulder", email="fox@elsewhere.example", email_verified=False)
    api = signed_in_app(sso_server, oidc_idp, browser, idp_user)

    # Then it is SCIM's account, in SCIM's department, and they can post
    me = api.account_verify_credentials()
    assert str(me["id"]) == user_id
    assert me["username"] == "fox_mulder"
    assert api.status_post("Reporting from the field")["content"]
    fetched = scim.get(f"/Users/{user_id}").json()
    assert [membership["display"] for membership in fetched["groups"]] == ["Field Ops"]

    # When their stream is open and SCIM deactivates them the way Entra ID does
    watch = StreamWatch(sso_server.base_url, str(api.access_token))
    assert watch.opened.wait(10)
    deactivated_at = time.perf_counter()
    patched = scim.patch(f"/Users/{user_id}", json={
        "schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["active"] is False

    # Then within a second their stream has closed and their token is refused
    assert watch.ended.wait(5)
    assert watch.ended_at - deactivated_at < WITHIN
    with pytest.raises(MastodonUnauthorizedError):
        api.account_verify_credentials()
    assert time.perf_counter() - deactivated_at < 5
