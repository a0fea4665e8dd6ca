"""Reading accounts: show, lookup, search, their statuses, followers and following; profile files.

Every route needs a staff token (docs/design.md: Mastodon answers several of
these anonymously; we must not). Statuses go through the one visibility
rule in storage; followers and following honour ``hide_collections`` for
everyone but the owner.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.content import normalize_hashtag
from activitypub.errors import NotFound
from server.edge.files import stored_response
from server.edge.pagination import ACCOUNTS_LIMITS, OffsetPage, page_of
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import paged, state
from server.mastodon.credentials import routes as credential_routes
from server.mastodon.relationships import routes as relationship_routes
from server.present.entities.tag import featured_tag_entity
from server.services.profile_media import media_type
from storage.models import Account, StatusFilter

MANY_ACCOUNTS = 40  # Mastodon's cap on ``GET /api/v1/accounts?id[]=``
PROFILE_FILE_HEADERS = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}


async def _account(request: Request) -> Account:
    return await state(request).services.account_queries.get(path_id(request))


async def show_accounts(request: Request) -> Response:
    """``GET /api/v1/accounts?id[]=`` (Mastodon 4.3): the accounts known, in the order asked."""
    await require_user(request, "read:accounts")
    ids = (await read_params(request)).get_id_list("id")[:MANY_ACCOUNTS]
    found = await state(request).services.account_queries.get_many(ids)
    return JSONResponse(await state(request).presenter.accounts(found))


async def show_account(request: Request) -> Response:
    await require_user(request, "read:accounts")
    return JSONResponse(await state(request).presenter.account(await _account(request)))


def split_handle(raw: str, local_domain: str) -> tuple[str, str | None]:
    """``@user@domain`` -> (user, domain); our own domain (or none) names a local account."""
    handle = raw.strip().removeprefix("@")
    username, _, domain = handle.partition("@")
    domain = domain.strip().lower()
    return username.strip(), (None if not domain or domain == local_domain.lower() else domain)


async def lookup(request: Request) -> Response:
    """``GET /api/v1/accounts/lookup?acct=``: accounts we store; never a network fetch."""
    await require_user(request, "read:accounts")
    params = await read_params(request)
    app = state(request)
    username, domain = split_handle(params.require_str("acct"), app.settings.domain)
    found = await app.services.account_queries.lookup(username, domain)
    return JSONResponse(await app.presenter.account(found))


async def search(request: Request) -> Response:
    viewer = await require_user(request, "read:accounts")
    params = await read_params(request)
    app = state(request)
    page = OffsetPage.from_params(params, default_limit=ACCOUNTS_LIMITS[0], max_limit=ACCOUNTS_LIMITS[1])
    username, domain = split_handle(params.get_str("q", "") or "", app.settings.domain)
    if not username:
        return JSONResponse([])
    following = viewer.account.id if params.get_bool("following", False) else None
    found = await app.services.account_queries.search(
        username, domain, limit=page.limit, offset=page.offset, following_of=following
    )
    if domain is not None and params.get_bool("resolve", False) and page.offset == 0 and following is None:
        found = await _with_resolved(request, found, username, domain)
    return JSONResponse(await app.presenter.accounts(found))


async def _with_resolved(request: Request, found: list[Account], username: str, domain: str) -> list[Account]:
    """``resolve=true``: the exact outside handle first, through the federation's resolver."""
    exact = [a for a in found if a.username.lower() == username.lower() and (a.domain or "").lower() == domain]
    if exact:
        return found
    resolved = await state(request).services.handles.resolve(username, domain)
    return [resolved, *found] if resolved is not None else found


async def account_statuses(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    account = await _account(request)
    params = await read_params(request)
    if params.get_bool("pinned", False):
        return await _pinned(request, viewer, account, params)
    tagged = normalize_hashtag(params.get_str("tagged", "") or "")
    flt = StatusFilter(
        only_media=bool(params.get_bool("only_media", False)),
        exclude_replies=bool(params.get_bool("exclude_replies", False)),
        exclude_reblogs=bool(params.get_bool("exclude_reblogs", False)),
        tag_any=(tagged,) if tagged else (),
    )
    ids = await state(request).services.timelines.statuses(viewer.reader, page_of(params), flt,
                                                           account_id=account.id)
    return await _statuses(request, viewer, ids)


async def _pinned(request: Request, viewer: Viewer, account: Account, params: Params) -> Response:
    """Pins, most recently pinned first; they come as one page, so a cursor gets the empty rest."""
    if params.get_id("max_id") is not None or params.get_id("min_id") is not None:
        return JSONResponse([])
    pinned = await state(request).services.timelines.pinned(viewer.reader, account.id)
    return await _statuses(request, viewer, pinned, link=False)


async def _statuses(request: Request, viewer: Viewer, ids: Sequence[int], *, link: bool = True) -> Response:
    app = state(request)
    found = await app.services.timelines.in_order(ids)
    entities = await app.presenter.statuses(found, viewer.account)
    return paged(request, entities, ids) if link else JSONResponse(entities)


async def _collection(request: Request, followers: bool) -> Response:
    viewer = await require_user(request, "read:accounts")
    account = await _account(request)
    app = state(request)
    queries = app.services.account_queries
    page = page_of(await read_params(request), ACCOUNTS_LIMITS)
    if await queries.collections_hidden(viewer.account, account):
        return JSONResponse([])
    rows = await (queries.followers if followers else queries.following)(account, page)
    entities = await app.presenter.accounts([other for _, other in rows])
    return paged(request, entities, [follow.id for follow, _ in rows], limit=page.limit)


async def followers(request: Request) -> Response:
    return await _collection(request, followers=True)


async def following(request: Request) -> Response:
    return await _collection(request, followers=False)


async def familiar_followers(request: Request) -> Response:
    viewer = await require_user(request, "read:follows")
    params = await read_params(request)
    app = state(request)
    found = await app.services.account_queries.familiar_followers(
        viewer.account, params.get_id_list("id")[:ACCOUNTS_LIMITS[1]]
    )
    return JSONResponse([{"id": str(account_id), "accounts": await app.presenter.accounts(familiar)}
                         for account_id, familiar in found])


async def featured_tags(request: Request) -> Response:
    """The hashtags a colleague features, counted over their statuses shared with all staff; remote
    accounts' featured collections are not fetched, so they feature none here."""
    await require_user(request, "read:accounts")
    account = await _account(request)
    app = state(request)
    found = await app.services.featured_tags.of(account.id) if account.is_local else ()
    return JSONResponse([featured_tag_entity(f, account, base_url=app.settings.base_url) for f in found])


async def nothing_featured(request: Request) -> Response:
    """``/accounts/:id/endorsements`` (Mastodon 4.4) and ``/accounts/:id/identity_proofs`` (kept by Mastodon
    as an empty list since identity proofs went away): featured profiles are not built, so an empty list."""
    await require_user(request, "read:accounts")
    await _account(request)
    return JSONResponse([])


async def profile_file(request: Request) -> Response:
    """``/system/accounts/<token>/<avatar|header>.<ext>``: a capability URL, anything else 404."""
    name = request.path_params["name"]
    stored = await state(request).services.profiles.media.open(request.path_params["token"], name)
    if stored is None:
        raise NotFound()
    return stored_response(request, stored, media_type(name), PROFILE_FILE_HEADERS)


def routes() -> list[BaseRoute]:
    base = "/api/v1/accounts"
    return [
        *credential_routes(),
        Route(base, show_accounts, methods=["GET"]),
        Route(f"{base}/lookup", lookup, methods=["GET"]),
        Route(f"{base}/search", search, methods=["GET"]),
        Route(f"{base}/familiar_followers", familiar_followers, methods=["GET"]),
        *relationship_routes(),
        Route(base + "/{id}", show_account, methods=["GET"]),
        Route(base + "/{id}/statuses", account_statuses, methods=["GET"]),
        Route(base + "/{id}/followers", followers, methods=["GET"]),
        Route(base + "/{id}/following", following, methods=["GET"]),
        Route(base + "/{id}/featured_tags", featured_tags, methods=["GET"]),
        Route(base + "/{id}/endorsements", nothing_featured, methods=["GET"]),
        Route(base + "/{id}/identity_proofs", nothing_featured, methods=["GET"]),
        # /{id}/lists is served by server.mastodon.lists.
        Route("/system/accounts/{token}/{name}", profile_file, methods=["GET", "HEAD"]),
    ]
