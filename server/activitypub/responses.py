"""Media types, content negotiation and the response shapes every ActivityPub view shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from starlette.responses import JSONResponse

ACTIVITY_JSON: Final = "application/activity+json"
ACTIVITY_JSON_UTF8: Final = "application/activity+json; charset=utf-8"
JRD_JSON_UTF8: Final = "application/jrd+json; charset=utf-8"

# Mastodon registers all of these as its JSON format, so a peer asking for
# any of them gets the actor document rather than the web page.
ACTIVITY_TYPES: Final = frozenset(
    {"application/activity+json", "application/ld+json", "application/json"}
)
HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml", "text/*", "*/*"})

ACTOR_CACHE: Final = "max-age=180, public"
COLLECTION_CACHE: Final = "max-age=60, public"


def wants_activity_json(accept: str | None) -> bool:
    """True when the best-rated type in ``Accept`` is an ActivityPub one.

    A tie goes to ActivityPub: a peer that also lists ``*/*`` still means
    the document. No ``Accept`` at all is a browser-ish client: HTML.
    """
    best_activity = best_html = 0.0
    for media_type, quality in _media_ranges(accept or ""):
        if media_type in ACTIVITY_TYPES:
            best_activity = max(best_activity, quality)
        elif media_type in HTML_TYPES:
            best_html = max(best_html, quality)
    return best_activity > 0 and best_activity >= best_html


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media_type, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        if media_type:
            ranges.append((media_type.lower(), quality))
    return ranges


def activity_response(
    document: Mapping[str, Any], *, cache: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        dict(document),
        media_type=ACTIVITY_JSON_UTF8,
        headers={"Cache-Control": cache, **(headers or {})},
    )
