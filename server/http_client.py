"""Build the one outbound HTTP client from the settings."""

from __future__ import annotations

import httpx

from federation.http import OutboundClient, OutboundSettings, build_http_client, user_agent
from server.config import Settings


def outbound_settings(settings: Settings) -> OutboundSettings:
    federation = settings.federation
    return OutboundSettings(
        user_agent=user_agent(settings.base_url),
        allow_private_addresses=federation.allow_private_addresses,
        federation_mode=federation.mode,
        allowed_domains=frozenset(federation.allowed_domains),
        blocked_domains=frozenset(federation.blocked_domains),
        own_base_url=settings.base_url,
    )


def outbound_client(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> OutboundClient:
    return build_http_client(outbound_settings(settings), transport=transport)
