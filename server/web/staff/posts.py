"""Statuses as the staff pages show them: the Mastodon entities of the API, and where each post stands.

The pages render exactly what the client API answers (``server.present``),
so a favourite, a poll or a filter reads the same in the browser as in an
app. What the API does not say per post, whether it waits for review or
has an edit waiting, comes from the review service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from server.edge.dates import format_datetime
from server.services.important_posts import Pinned
from server.state import app_state as state
from server.web.staff.gate import Person
from storage.models import Page, Status

Entity = dict[str, Any]
PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class Shown:
    """A page of statuses: entities newest first, their stances by id, and the URL of the next older page."""

    statuses: Sequence[Entity]
    stances: Mapping[str, str]
    older_url: str | None


def page_from(request: Request) -> Page:
    """``max_id`` from the "load more" link; nothing else is read from the query."""
    raw = request.query_params.get("max_id", "")
    max_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    return Page(limit=PAGE_SIZE, max_id=max_id)


def older_url(request: Request, cursor_ids: Sequence[int]) -> str | None:
    """The next page's URL when this one was full; the cursor is the oldest id the service handed out."""
    if len(cursor_ids) < PAGE_SIZE:
        return None
    query = {k: v for k, v in request.query_params.items() if k not in ("max_id", "notice")}
    query["max_id"] = str(min(cursor_ids))
    return f"{request.url.path}?{urlencode(query)}"


async def present(request: Request, person: Person, statuses: Sequence[Status], *,
                  context: str = "public") -> tuple[list[Entity], dict[str, str]]:
    app = state(request)
    # Two independent reads, side by side: the entities, and where each post stands.
    entities, stances = await asyncio.gather(app.presenter.statuses(statuses, person.account, context=context),
                                             app.services.review_queries.stances(statuses))
    return entities, {str(k): v for k, v in stances.items()}


async def shown(request: Request, person: Person, cursor_ids: Sequence[int], *, context: str = "public") -> Shown:
    """The statuses of ``cursor_ids`` (a service's page), in order, as entities."""
    ordered = await state(request).services.timelines.in_order(cursor_ids)
    entities, stances = await present(request, person, ordered, context=context)
    return Shown(entities, stances, older_url(request, cursor_ids))


async def shown_pinned(request: Request, person: Person, pinned: Pinned, *, context: str = "public") -> Shown:
    """Important posts first, flagged ``important_until``; the next page's cursor stays the regular ids'."""
    ordered = await state(request).services.timelines.in_order(pinned.shown)
    entities, stances = await present(request, person, ordered, context=context)
    until = pinned.until
    for entity in entities:
        if int(entity["id"]) in until:
            entity["important_until"] = format_datetime(until[int(entity["id"])])
    return Shown(entities, stances, older_url(request, pinned.regular))


def back_of(request: Request) -> str:
    """Where an action on this page returns to: the page itself, without its notice."""
    query = {k: v for k, v in request.query_params.items() if k != "notice"}
    return request.url.path + (f"?{urlencode(query)}" if query else "")
