"""The identity provider's hosts may be private for single sign-on, and for nothing else.

The allowance lives in the provider's own outbound client; the client every
federation fetch goes through (cards, media, actors, deliveries) never gets it,
so a remote document naming the intranet provider cannot make us fetch it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from activitypub.errors import BlockedDestination
from server.app import create_app
from server.http_client import outbound_client
from storage import open_storage
from tests.server.helpers import serving, settings_for

pytestmark = pytest.mark.anyio


async def test_only_the_providers_own_client_may_reach_its_private_host(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, INSIDEOUT_SSO_ISSUER="http://127.0.0.1:1/realm",
                            INSIDEOUT_SSO_CLIENT_ID="insideout", INSIDEOUT_SSO_CLIENT_SECRET="secret")
    http = outbound_client(settings)
    app = create_app(settings, open_storage(settings.storage.database), http, workers=())
    state = app.state.insideout
    async with serving(app):
        assert state.identity_http is not None and state.identity_http is not http
        assert "127.0.0.1" in state.identity_http.private_hosts
        assert "127.0.0.1" not in http.private_hosts
        with pytest.raises(BlockedDestination):
            await http.get_json("http://127.0.0.1:1/realm/.well-known/openid-configuration",
                                exempt_from_federation_policy=True)
