"""The authorize pages' CSRF tokens are bound to the session (or, before one, to a nonce), under a stored secret.

Given alice signed in to the authorize pages; when a form is posted with a
CSRF cookie planted next to her session and the same value in the field
(the double-submit attack), or with the token of another session; then it
is refused with 403 and no code is issued. The secret is the database's,
so a form shown by one server process is accepted by another.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.signin.csrf_key import CSRF_SECRET_META
from tests.server.helpers import app_for, serving, settings_for
from tests.server.mastodon.oauth_helpers import PASSWORD, Served, register, served
from tests.server.mastodon.test_oauth_authorize import authorize_path, hidden_fields, sign_in

pytestmark = pytest.mark.anyio
__all__ = ["served"]

PLANTED = "planted-by-a-sibling-subdomain-0123456789"


def plant_csrf_cookie(served: Served) -> None:
    served.client.cookies.delete("insideout_csrf")
    served.client.cookies.set("insideout_csrf", PLANTED)


async def test_a_planted_cookie_and_field_do_not_pass_the_consent_form(served: Served) -> None:
    signed_in = await sign_in(served, authorize_path(served.client_id))
    consent = await served.client.get(signed_in.headers["location"])
    plant_csrf_cookie(served)

    answer = await served.client.post("/oauth/authorize", data={
        **hidden_fields(consent.text), "authenticity_token": PLANTED, "decision": "approve"})

    assert answer.status_code == 403
    assert "location" not in answer.headers


async def test_a_planted_cookie_and_field_do_not_pass_the_sign_in_form(served: Served) -> None:
    page = await served.client.get(authorize_path(served.client_id))
    plant_csrf_cookie(served)

    answer = await served.client.post("/oauth/sign_in", data={
        **hidden_fields(page.text), "authenticity_token": PLANTED, "login": "alice", "password": PASSWORD})

    assert answer.status_code == 403
    assert "insideout_session" not in served.client.cookies


async def test_a_consent_token_of_one_session_is_refused_in_another(served: Served) -> None:
    as_alice = await sign_in(served, authorize_path(served.client_id))
    alices_consent = hidden_fields((await served.client.get(as_alice.headers["location"])).text)
    as_bob = await sign_in(served, authorize_path(served.client_id, force_login="true"), login="bob")
    bobs_consent = hidden_fields((await served.client.get(as_bob.headers["location"])).text)

    refused = await served.client.post("/oauth/authorize", data={**alices_consent, "decision": "approve"})
    accepted = await served.client.post("/oauth/authorize", data={**bobs_consent, "decision": "approve"})

    assert alices_consent["authenticity_token"] != bobs_consent["authenticity_token"]
    assert refused.status_code == 403
    assert "location" not in refused.headers
    assert accepted.status_code == 302
    assert "code=" in accepted.headers["location"]


async def test_a_form_from_one_server_process_is_accepted_by_another(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="http://testserver")
    first, second = app_for(settings), app_for(settings)
    async with serving(first) as one, serving(second) as other:
        await first.state.insideout.services.accounts.create_employee("alice", "alice@example.com", PASSWORD)
        registered = await register(one)
        page = await one.get(authorize_path(registered["client_id"]))
        other.cookies.update(one.cookies)

        answer = await other.post("/oauth/sign_in", data={**hidden_fields(page.text), "login": "alice",
                                                          "password": PASSWORD})  # fmt: skip
        secret = await second.state.insideout.storage.instance.get_meta(CSRF_SECRET_META)

    assert answer.status_code == 303
    assert secret is not None
