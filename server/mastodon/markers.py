"""Read markers (where a client stopped reading home and notifications) and the owner's preferences.

Markers keep the last write: Mastodon answers 409 to a write that raced
another, and clients retry; with one row per timeline and ``version``
bumped on every write, last-write-wins gives clients the same result.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import BadRequest
from server.edge.dates import format_datetime
from server.edge.params import read_params
from server.mastodon.auth import require_user
from server.mastodon.common import state
from storage.profiles import Marker, MarkerTimeline


def marker_entity(marker: Marker) -> dict[str, Any]:
    return {
        "last_read_id": str(marker.last_read_id),
        "version": marker.version,
        "updated_at": format_datetime(marker.updated_at),
    }


def _timelines(names: list[str]) -> list[MarkerTimeline]:
    known = {timeline.value: timeline for timeline in MarkerTimeline}
    return [known[name] for name in names if name in known]  # unknown names are ignored, as in Mastodon


async def get_markers(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    params = await read_params(request)
    timelines = _timelines(params.get_str_list("timeline"))
    markers = await state(request).services.markers.get(viewer.account.id, timelines)
    return JSONResponse({timeline.value: marker_entity(marker) for timeline, marker in markers.items()})


async def save_markers(request: Request) -> Response:
    viewer = await require_user(request, "write:statuses")
    params = await read_params(request)
    markers = state(request).services.markers
    result: dict[str, Any] = {}
    for timeline in MarkerTimeline:
        section = params.get_dict(timeline.value)
        if section is None:
            continue
        last_read_id = section.get_id("last_read_id")
        if last_read_id is None:
            raise BadRequest(f"param is missing or the value is empty: {timeline.value}[last_read_id]")
        marker = await markers.save(viewer.account.id, timeline, last_read_id)
        result[timeline.value] = marker_entity(marker)
    return JSONResponse(result)


async def preferences(request: Request) -> Response:
    viewer = await require_user(request, "read:accounts")
    prefs = (await state(request).services.profiles.own(viewer.account)).preferences
    return JSONResponse({
        "posting:default:visibility": prefs.visibility.value,
        "posting:default:sensitive": prefs.sensitive,
        "posting:default:language": prefs.language,
        "reading:expand:media": prefs.expand_media.value,
        "reading:expand:spoilers": prefs.expand_spoilers,
    })


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/markers", get_markers, methods=["GET"]),
        Route("/api/v1/markers", save_markers, methods=["POST"]),
        Route("/api/v1/preferences", preferences, methods=["GET"]),
    ]
