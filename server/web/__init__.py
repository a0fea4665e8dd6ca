"""Public web pages: HTML profiles and posts of exposed actors (negotiated by the ActivityPub views), Atom feeds."""

from __future__ import annotations

from starlette.routing import BaseRoute

from server.web import feed, unsubscribe


def routes() -> list[BaseRoute]:
    return [*feed.routes(), *unsubscribe.routes()]


__all__ = ["routes"]
