"""scim2-tester's RFC 7643/7644 checks against the live SCIM endpoint, on a real socket."""

from __future__ import annotations

import asyncio

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from server.services.scim_tokens import ScimTokens
from storage import open_storage
from tests.integration.conftest import LiveServer

FAILED = (Status.ERROR, Status.CRITICAL)
# A deliberate departure: removing ``active`` does not reinstate a person SCIM deactivated (the tester
# creates users with a random ``active``), and a disabled account always reads ``active: false``.
ACCEPTED = ("check_remove_attribute [User]: PATCH modify() did not remove attribute 'active'",)


async def _token(database: str) -> str:
    storage = open_storage(database)
    await storage.open()
    try:
        return (await ScimTokens(storage).create("conformance", by="test")).secret
    finally:
        await storage.close()


def test_scim2_tester_finds_no_error(live_server: LiveServer) -> None:
    token = asyncio.run(_token(live_server.settings.storage.database))
    http = Client(base_url=f"{live_server.base_url}/scim/v2", headers={"Authorization": f"Bearer {token}"},
                  timeout=30)
    with http:
        results = check_server(SyncSCIMClient(http))

    failures = [f"{result.title} [{result.resource_type}]: {result.reason}"
                for result in results if result.status in FAILED]
    failures = [failure for failure in failures if failure not in ACCEPTED]
    assert failures == [], "\n".join(failures)
    checked = {result.title for result in results if result.status is Status.SUCCESS}
    assert len(checked) > 10
