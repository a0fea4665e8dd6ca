"""ActivityPub views: WebFinger, host-meta, NodeInfo, actors and their collections.

The inbox (``POST /inbox``, ``POST /users/{username}/inbox``) lives in its
own module and registers its own routes.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from server.activitypub import actors, collections, nodeinfo, objects, webfinger


def routes() -> list[BaseRoute]:
    return [*webfinger.routes(), *nodeinfo.routes(), *actors.routes(), *collections.routes(), *objects.routes()]


__all__ = ["routes"]
