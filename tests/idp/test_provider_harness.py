"""The test IdP itself: oidc-provider under node, as the ``oidc_idp`` fixture runs it.

These check what the single sign-on tests rely on: discovery, the JWKS, the authorization code
flow with PKCE through the real HTML forms, ID tokens that verify against the JWKS and carry
the claims, and a wrong password that shows the form again and gives no code. The relying
party's callback is never contacted: the flow stops at the redirect to it.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests import idp_harness
from tests.idp_harness import (
    AuthorizationRequest,
    IdpClient,
    IdpFlowError,
    IdpLoginRejected,
    IdpUser,
    OidcIdp,
    running_idp,
)
from tests.idp_pages import parse_page

CALLBACK = "http://127.0.0.1:8123/auth/sso/callback"


@pytest.fixture
def idp(oidc_idp: OidcIdp) -> OidcIdp:
    oidc_idp.allow_redirect_uri(CALLBACK)
    return oidc_idp


def browser() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=10)


def sign_in(idp: OidcIdp, user: IdpUser, request: AuthorizationRequest) -> dict[str, str]:
    """The callback's query parameters after signing in through the forms."""
    with browser() as client:
        redirect = idp.login(client, request.url, user.username, user.password)
    assert redirect.startswith(CALLBACK + "?")
    return {name: values[0] for name, values in parse_qs(urlsplit(redirect).query).items()}


def verified_id_token(idp: OidcIdp, id_token: str, request: AuthorizationRequest) -> jwt.Token:
    token = jwt.decode(id_token, KeySet.import_key_set(idp.jwks()), algorithms=["RS256"])  # type: ignore[arg-type]
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": idp.issuer},
        aud={"essential": True, "value": idp.client_id},
        nonce={"essential": True, "value": request.nonce},
        exp={"essential": True},
    ).validate(token.claims)
    return token


def test_discovery_names_the_endpoints_and_s256(idp: OidcIdp) -> None:
    discovery = idp.discovery

    assert idp.issuer.startswith("http://127.0.0.1:")
    assert discovery["issuer"] == idp.issuer
    assert discovery["authorization_endpoint"] == f"{idp.issuer}/auth"
    assert discovery["token_endpoint"] == f"{idp.issuer}/token"
    assert discovery["userinfo_endpoint"] == f"{idp.issuer}/me"
    assert discovery["jwks_uri"] == f"{idp.issuer}/jwks"
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["response_types_supported"] == ["code"]
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(discovery["scopes_supported"]) == {"openid", "profile", "email", "groups"}
    assert set(discovery["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}


def test_jwks_serves_the_public_rs256_key(idp: OidcIdp) -> None:
    keys = idp.jwks()["keys"]

    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["alg"] == "RS256"
    assert keys[0]["use"] == "sig"
    assert keys[0]["kid"] == idp.signing_key.kid
    assert "d" not in keys[0]


def test_code_flow_with_pkce_gives_an_id_token_that_verifies_against_the_jwks(idp: OidcIdp) -> None:
    # Given a user whose email is not verified, in two groups
    user = idp.new_user(email_verified=False, groups=("engineering", "staff"))
    request = idp.authorization_request(CALLBACK)

    # When they sign in through the forms and the code is exchanged
    callback = sign_in(idp, user, request)
    tokens = idp.exchange_code(callback["code"], request)

    # Then the callback carries the state and issuer, and the ID token verifies with every claim
    assert callback["state"] == request.state
    assert callback["iss"] == idp.issuer
    token = verified_id_token(idp, tokens["id_token"], request)
    assert token.header["alg"] == "RS256"
    assert token.header["kid"] == idp.signing_key.kid
    assert token.claims["sub"] == user.sub
    assert token.claims["preferred_username"] == user.username
    assert token.claims["name"] == user.name
    assert token.claims["email"] == user.email
    assert token.claims["email_verified"] is False
    assert token.claims["groups"] == ["engineering", "staff"]


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_the_token_endpoint_takes_either_client_authentication(idp: OidcIdp, auth_method: str) -> None:
    user = idp.new_user()
    request = idp.authorization_request(CALLBACK)

    tokens = idp.exchange_code(sign_in(idp, user, request)["code"], request, auth_method=auth_method)

    assert verified_id_token(idp, tokens["id_token"], request).claims["sub"] == user.sub


def test_a_code_is_good_once(idp: OidcIdp) -> None:
    user = idp.new_user()
    request = idp.authorization_request(CALLBACK)
    code = sign_in(idp, user, request)["code"]
    idp.exchange_code(code, request)

    with pytest.raises(IdpFlowError, match="invalid_grant"):
        idp.exchange_code(code, request)


def test_the_code_needs_the_pkce_verifier(idp: OidcIdp) -> None:
    user = idp.new_user()
    request = idp.authorization_request(CALLBACK)
    code = sign_in(idp, user, request)["code"]
    forged = AuthorizationRequest(request.url, CALLBACK, request.state, request.nonce, secrets.token_urlsafe(48))

    with pytest.raises(IdpFlowError, match="invalid_grant"):
        idp.exchange_code(code, forged)


def test_userinfo_serves_the_same_claims(idp: OidcIdp) -> None:
    user = idp.new_user(groups=("sales",))
    request = idp.authorization_request(CALLBACK)
    tokens = idp.exchange_code(sign_in(idp, user, request)["code"], request)

    with browser() as client:
        response = client.get(idp.endpoint("userinfo"), headers={"Authorization": f"Bearer {tokens['access_token']}"})

    assert response.status_code == 200
    assert response.json() == {
        "sub": user.sub, "preferred_username": user.username, "name": user.name,
        "email": user.email, "email_verified": True, "groups": ["sales"],
    }


def test_a_wrong_password_shows_the_form_again_with_an_error_and_no_code(idp: OidcIdp) -> None:
    # Given the login page of a fresh authorization request
    user = idp.new_user()
    with browser() as client:
        login_page = client.get(idp.authorization_request(CALLBACK).url, follow_redirects=True)
        form = parse_page(login_page.text).forms["login-form"]

        # When the password is wrong
        data = {**form.fields, "username": user.username, "password": "not-" + user.password}
        answer = client.post(login_page.url.join(form.action), data=data)

    # Then the same form comes back, with the error and the username kept, and nothing leaves
    page = parse_page(answer.text)
    assert answer.status_code == 200
    assert "location" not in answer.headers
    assert page.texts["login-error"] == "Invalid username or password."
    assert page.forms["login-form"].fields == {"username": user.username, "password": ""}
    assert "code=" not in answer.text


def test_the_login_helper_reports_a_rejected_password(idp: OidcIdp) -> None:
    user = idp.new_user()

    with browser() as client, pytest.raises(IdpLoginRejected, match="Invalid username or password"):
        idp.login(client, idp.authorization_request(CALLBACK).url, user.username, "wrong")


def test_the_login_page_is_plain_html_with_labelled_fields(idp: OidcIdp) -> None:
    with browser() as client:
        response = client.get(idp.authorization_request(CALLBACK).url, follow_redirects=True)

    page = parse_page(response.text)
    assert page.forms["login-form"].method == "post"
    assert page.forms["login-form"].action.startswith("/interaction/")
    assert '<label for="username">' in response.text
    assert '<label for="password">' in response.text
    assert '<input id="password" name="password" type="password"' in response.text
    assert "<script" not in response.text
    assert "https://" not in response.text


def test_an_authorization_request_without_pkce_is_refused(idp: OidcIdp) -> None:
    query = {"response_type": "code", "client_id": idp.client_id, "redirect_uri": CALLBACK,
             "scope": "openid", "state": "s", "nonce": "n"}

    with browser() as client:
        response = client.get(f"{idp.endpoint('authorization')}?{urlencode(query)}")

    assert response.status_code == 303
    redirect = parse_qs(urlsplit(response.headers["location"]).query)
    assert redirect["error"] == ["invalid_request"]
    assert "code" not in redirect


def test_an_unregistered_redirect_uri_is_refused_at_the_idp(idp: OidcIdp) -> None:
    user = idp.new_user()
    request = idp.authorization_request("http://127.0.0.1:8123/elsewhere")

    with browser() as client, pytest.raises(IdpFlowError, match="redirect_uri"):
        idp.login(client, request.url, user.username, user.password)


def test_users_and_redirect_uris_change_while_the_provider_runs(idp: OidcIdp) -> None:
    # Given a user who changes their password, and a new callback allowed
    user = idp.new_user()
    changed = idp.add_user(IdpUser(**{**user.as_json(), "groups": (), "password": "changed-" + user.password}))
    idp.set_redirect_uris([CALLBACK, "http://127.0.0.1:8124/auth/sso/callback"])

    # Then the old password fails, and the new one signs in to the new callback
    with browser() as client, pytest.raises(IdpLoginRejected):
        idp.login(client, idp.authorization_request(CALLBACK).url, user.username, user.password)
    with browser() as client:
        redirect = idp.login(client, idp.authorization_request("http://127.0.0.1:8124/auth/sso/callback").url,
                             changed.username, changed.password)
    assert redirect.startswith("http://127.0.0.1:8124/auth/sso/callback?code=")


def within_idp(idp: OidcIdp, client: httpx.Client, response: httpx.Response) -> httpx.Response:
    """Follow the IdP's own redirects; stop at a page, or at a redirect that leaves the IdP."""
    while response.is_redirect:
        location = response.url.join(response.headers["location"])
        if not str(location).startswith(idp.issuer + "/"):
            break
        response = client.get(location)
    return response


def test_a_client_with_a_consent_form_shows_it_and_continues(idp: OidcIdp) -> None:
    # Given a client registered with the consent form, and a user on its login page
    idp.add_client(IdpClient("partner", secrets.token_urlsafe(16), (CALLBACK,), consent="form"))
    user = idp.new_user()
    with browser() as client:
        login_page = client.get(idp.authorization_request(CALLBACK, client_id="partner").url, follow_redirects=True)
        login = parse_page(login_page.text).forms["login-form"]

        # When they sign in, the consent page names the client and the scopes
        credentials = {"username": user.username, "password": user.password}
        consent_page = within_idp(idp, client, client.post(login_page.url.join(login.action), data=credentials))
        page = parse_page(consent_page.text)
        assert page.texts["client-id"] == "partner"
        assert page.texts["scopes"] == "openidprofileemailgroups"

        # Then Continue sends them back with a code
        consent = page.forms["consent-form"]
        answer = within_idp(idp, client, client.post(consent_page.url.join(consent.action), data=consent.fields))

    assert parse_qs(urlsplit(answer.headers["location"]).query)["state"]
    assert "code" in parse_qs(urlsplit(answer.headers["location"]).query)


def test_cancel_on_the_login_page_sends_access_denied(idp: OidcIdp) -> None:
    with browser() as client:
        login_page = client.get(idp.authorization_request(CALLBACK).url, follow_redirects=True)
        cancel = parse_page(login_page.text).forms["cancel-form"]
        answer = within_idp(idp, client, client.post(login_page.url.join(cancel.action)))

    assert answer.headers["location"].startswith(CALLBACK + "?error=access_denied")


@pytest.mark.anyio
async def test_the_login_helper_drives_an_async_client(idp: OidcIdp) -> None:
    user = idp.new_user()
    request = idp.authorization_request(CALLBACK)

    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        redirect = await idp.login_async(client, request.url, user.username, user.password)

    assert "code=" in redirect


def test_the_tests_hold_the_signing_key_to_forge_tokens_the_jwks_accepts(idp: OidcIdp) -> None:
    header = {"alg": "RS256", "kid": idp.signing_key.kid}
    forged = jwt.encode(header, {"iss": idp.issuer, "aud": "someone-else", "sub": "x"}, idp.signing_key)

    token = jwt.decode(forged, KeySet.import_key_set(idp.jwks()), algorithms=["RS256"])  # type: ignore[arg-type]

    assert token.claims["aud"] == "someone-else"



def test_the_provider_is_gone_when_the_harness_stops(tmp_path: Path) -> None:
    with running_idp(tmp_path) as idp:
        issuer = idp.issuer
        assert httpx.get(f"{issuer}/jwks", trust_env=False).status_code == 200

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{issuer}/jwks", trust_env=False)


def test_without_the_npm_packages_the_harness_fails_and_says_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idp_harness, "IDP_DIR", tmp_path)

    with pytest.raises(pytest.fail.Exception, match="run scripts/install-test-tools"), running_idp(tmp_path):
        pass
