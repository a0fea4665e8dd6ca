"""``/search``: people, departments, hashtags and posts, through what ``/api/v2/search`` asks.

The search service applies the one inside visibility rule, so a post
appears only if the person could open it. The page asks it without
``resolve``: nothing is fetched from outside while someone types. An empty
query shows just the form; an over-long one is refused next to the field.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from server.present.entities.tag import tag_entity
from server.services.search import SearchQuery
from server.state import app_state as state
from server.web.staff.gate import Person, page
from server.web.staff.i18n import ngettext
from server.web.staff.posts import back_of
from storage.models import AccountKind

MAX_QUERY: Final = 200
RESULTS: Final = 20


async def search(request: Request, person: Person) -> Response:
    q = request.query_params.get("q", "").strip()
    if not q:
        return page(request, "search.html", person=person, q="", errors={}, results=None)
    if len(q) > MAX_QUERY:
        return page(request, "search.html", person=person, status=422, q=q, errors={"q": _too_long()}, results=None)
    app = state(request)
    found = await app.services.search.search(person.account, SearchQuery(q=q, limit=RESULTS), reader=person.reader)
    people = [a for a in found.accounts if a.kind is not AccountKind.DEPARTMENT]
    departments = [a for a in found.accounts if a.kind is AccountKind.DEPARTMENT]
    statuses = await app.presenter.statuses(found.statuses, person.account)  # as the API: no filter context
    stances = await app.services.review_queries.stances(found.statuses)
    hashtags = [tag_entity(t, base_url=app.settings.base_url, following=None) for t in found.hashtags]
    results = {
        "people": await app.presenter.accounts(people), "departments": await app.presenter.accounts(departments),
        "hashtags": hashtags, "statuses": statuses,
    }
    return page(request, "search.html", person=person, q=q, errors={}, results=results,
                stances={str(k): v for k, v in stances.items()},
                back=back_of(request))


def _too_long() -> str:
    return ngettext("Search for at most %(count)d character.", "Search for at most %(count)d characters.",
                    MAX_QUERY) % {"count": MAX_QUERY}
