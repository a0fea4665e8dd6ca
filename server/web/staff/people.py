"""Profiles and posts at their shared addresses, ``/@username`` and ``/@username/ID``, as staff see them.

The ActivityPub views ask these first. They answer only a browser with a
live staff session; for anyone else they return None and the outsider's
answer follows unchanged (the public page of an exposed actor or a
published post, or the same 404 as for something that does not exist).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InsideoutError, NotFound
from server.edge.params import Params
from server.services.identities import Editor
from server.services.relationships import RelationshipService
from server.signin.sessions import session_cookie
from server.state import app_state as state
from server.web.staff.feeds import review_count
from server.web.staff.gate import (
    Person,
    SignInNeeded,
    error_page,
    local_path,
    page,
    redirect,
    signed_in,
    speak_the_readers_language,
)
from server.web.staff.i18n import N_, gettext
from server.web.staff.posts import back_of, page_from, shown
from server.web.staff.statuses import NO_SUCH_POST, thread
from storage.models import Account, AccountKind, StatusFilter

NO_SUCH_PERSON = N_("There is nobody here by that name.")


async def _staff(request: Request) -> Person | None:
    if session_cookie(request) is None:
        return None
    speak_the_readers_language(request)  # outside the gate's table: the messages below are in the reader's language
    try:
        return await signed_in(request)
    except SignInNeeded:
        return None


async def staff_profile(request: Request, acct: str) -> Response | None:
    person = await _staff(request)
    if person is None:
        return None
    try:
        return await profile(request, person, acct)
    except InsideoutError as error:
        return error_page(request, error, person)


async def staff_post(request: Request, acct: str, ref: str) -> Response | None:
    person = await _staff(request)
    if person is None:
        return None
    try:
        if not ref.isascii() or not ref.isdigit() or len(ref) > 18:
            raise NotFound(gettext(NO_SUCH_POST))
        return await thread(request, person, int(ref), acct)
    except InsideoutError as error:
        return error_page(request, error, person)


async def find_account(request: Request, acct: str) -> Account:
    username, _, domain = acct.lstrip("@").partition("@")
    settings = state(request).settings
    try:
        return await state(request).services.account_queries.lookup(
            username, None if not domain or domain == settings.domain else domain)
    except NotFound:
        raise NotFound(gettext(NO_SUCH_PERSON)) from None


async def profile(request: Request, person: Person, acct: str) -> Response:
    app = state(request)
    account = await find_account(request, acct)
    entity = await app.presenter.account(account)
    ids = await app.services.timelines.statuses(person.reader, page_from(request), StatusFilter(),
                                                account_id=account.id)
    found = await shown(request, person, ids, context="account")
    is_self = account.id == person.account.id
    departments = app.services.department_membership
    return page(request, "profile.html", person=person, account=entity, statuses=found.statuses,
                stances=found.stances, older_url=found.older_url, back=back_of(request),
                is_self=is_self, review_count=await review_count(request, person),
                relationship=None if is_self else await app.services.relationships.relationship(person.account,
                                                                                                 account),
                departments=await departments.departments_of(account), outside_domain=account.domain,
                is_department=account.is_local and account.kind is AccountKind.DEPARTMENT,
                writes_public_bio=not is_self and account.is_local and account.kind is AccountKind.EMPLOYEE
                and app.services.staff_profiles.may_write_public_bio(person.reviewer, account))


RelationAct = Callable[[RelationshipService, Account, Account], Awaitable[object]]


async def _follow(service: RelationshipService, account: Account, target: Account) -> object:
    return await service.follow(account, target)


async def _mute(service: RelationshipService, account: Account, target: Account) -> None:
    await service.mute(account, target)


RELATIONS: Final[dict[str, RelationAct]] = {
    "follow": _follow,
    "unfollow": lambda s, a, t: s.unfollow(a, t),
    "mute": _mute,
    "unmute": lambda s, a, t: s.unmute(a, t),
    "block": lambda s, a, t: s.block(a, t),
    "unblock": lambda s, a, t: s.unblock(a, t),
    "authorize": lambda s, a, t: s.authorize(a, t),
    "reject": lambda s, a, t: s.reject(a, t),
}
DONE: Final = {"follow": "followed", "unfollow": "unfollowed", "mute": "muted", "unmute": "unmuted",
               "block": "blocked", "unblock": "unblocked", "authorize": "authorized", "reject": "rejected"}


def relation(name: str) -> Callable[[Request, Person, Params], Awaitable[Response]]:
    """``POST /@acct/<name>``: the relationship service's action, as ``/api/v1/accounts/:id/<name>`` runs it."""
    act = RELATIONS[name]

    async def handler(request: Request, person: Person, form: Params) -> Response:
        service = state(request).services.relationships
        target = await service.target((await find_account(request, request.path_params["acct"])).id)
        editor = Editor(person.account, person.user, f"user:{person.account.id}")
        async with service.deciding(name, person.account, editor, target):
            await act(service, person.account, target)
        notice = DONE[name]
        if name == "follow" and (await service.relationship(person.account, target)).requested:
            notice = "requested"
        return redirect(local_path(form.get_str("back"), f"/@{target.acct}"), notice)
    return handler
