"""Every route of the Mastodon client API, gathered in one place."""

from __future__ import annotations

from starlette.routing import BaseRoute

from server.mastodon import statuses, timelines
from server.mastodon import instance, oauth, placeholders


def routes() -> list[BaseRoute]:
    return [*statuses.routes(), *timelines.routes(), *oauth.routes(), *instance.routes(), *placeholders.routes()]
