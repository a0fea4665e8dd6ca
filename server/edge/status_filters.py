"""The posts filter of the admin API and the admin pages: author, department, hashtag, dates, state."""

from __future__ import annotations

from starlette.requests import Request

from activitypub.errors import InvalidInput
from server.edge.dates import parse_datetime
from server.edge.params import Params
from server.state import app_state
from storage.models import PublicationState
from storage.review import AdminStatusFilter


async def status_filter(request: Request, params: Params) -> AdminStatusFilter:
    queries = app_state(request).services.review_queries
    author = department = None
    if name := params.get_str("author"):
        author = await queries.author_id(name)
    if name := params.get_str("department"):
        department = (await queries.department_id(name),)
    raw_state = params.get_str("state")
    try:
        publication_state = PublicationState(raw_state) if raw_state else None
    except ValueError:
        raise InvalidInput("state must be internal, published or retracted") from None
    since, until = params.get_str("since"), params.get_str("until")
    return AdminStatusFilter(
        account_id=author, department_ids=department, hashtag=(params.get_str("hashtag") or "").lstrip("#") or None,
        since=parse_datetime(since, "since") if since else None,
        until=parse_datetime(until, "until") if until else None, state=publication_state,
    )
