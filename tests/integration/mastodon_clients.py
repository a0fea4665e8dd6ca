"""Signing employees in with Mastodon.py, the reference client, as an app would."""

from __future__ import annotations

from collections.abc import Sequence

import requests
from mastodon import Mastodon

from tests.integration.conftest import EmployeeSpec, LiveServer

PASSWORD = "correct horse battery"
SCOPES = ["read", "write", "follow"]


def employees(*names: str) -> Sequence[EmployeeSpec]:
    return tuple(EmployeeSpec(name, f"{name}@example.com", PASSWORD) for name in names)


def signed_in(
    server: LiveServer, session: requests.Session, login: str, *, scopes: Sequence[str] = SCOPES,
    check_version: bool = False,
) -> Mastodon:
    """A client that registered its app and logged in with the password grant.

    ``check_version`` makes Mastodon.py read /api/v1/instance and parse our version string, as apps do.
    """
    client_id, secret = Mastodon.create_app("Insideout test", scopes=list(scopes), api_base_url=server.base_url,
                                            session=session)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=server.base_url, session=session,
                   version_check_mode="created" if check_version else "none")
    api.log_in(login, PASSWORD, scopes=list(scopes), allow_http=True)
    return api
