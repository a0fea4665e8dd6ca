"""The people directory (``/people``), the departments (``/departments``), a department's members, joining and leaving.

People are the local employees with an enabled login, by username, searched
by the start of a name (``q``) and paged by "load more". Departments list
every department with its description and member count. Who may join or
leave a department themselves is the settings' choice
(``[organization] open_departments``, none by default): see
``server.services.department_membership``, which also writes each join and
leave to the admin action log. Member lists are for staff only, like
every page here; no outside view ever shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import NotFound
from server.edge.params import Params
from server.state import app_state as state
from server.web.staff.gate import Person, local_path, page, redirect
from server.web.staff.i18n import N_, gettext, ngettext
from storage.models import Account, AccountKind, MemberRole

PEOPLE_PER_PAGE: Final = 40
MAX_QUERY: Final = 100
MAX_PAGE: Final = 10_000
NO_SUCH_DEPARTMENT: Final = N_("There is no department by that name.")


@dataclass(frozen=True, slots=True)
class DepartmentPanel:
    """What a department's pages show about the person and it: whether they belong, and may join or leave."""

    slug: str
    name: str
    open: bool
    member: bool
    publisher: bool
    may_join: bool

    @property
    def may_leave(self) -> bool:
        return self.open and self.member and not self.publisher


async def department_panel(request: Request, person: Person, department: Account) -> DepartmentPanel:
    membership_service = state(request).services.department_membership
    membership = await membership_service.membership(department, person.account)
    is_open = membership_service.is_open(department)
    return DepartmentPanel(
        slug=department.username, name=department.display_name or department.username, open=is_open,
        member=membership is not None, publisher=membership is not None and membership.role is MemberRole.PUBLISHER,
        may_join=is_open and membership is None and person.account.kind is AccountKind.EMPLOYEE,
    )


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "")
    return min(int(raw), MAX_PAGE) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 6 and int(raw) > 0 else 1


async def people(request: Request, person: Person) -> Response:
    query = request.query_params.get("q", "")
    if len(query) > MAX_QUERY:
        return page(request, "people.html", person=person, status=400, q=query, people=[], older_url=None,
                    errors={"q": ngettext("Search for at most %(count)d character of a name.",
                                          "Search for at most %(count)d characters of a name.",
                                          MAX_QUERY) % {"count": MAX_QUERY}})
    number = _page_number(request)
    app = state(request)
    found = await app.services.account_queries.colleagues(query.strip(), limit=PEOPLE_PER_PAGE + 1,
                                                          offset=(number - 1) * PEOPLE_PER_PAGE)
    more = len(found) > PEOPLE_PER_PAGE
    entities = await app.presenter.accounts(found[:PEOPLE_PER_PAGE])
    next_url = f"/people?{urlencode({**({'q': query} if query else {}), 'page': str(number + 1)})}" if more else None
    return page(request, "people.html", person=person, q=query, people=entities, older_url=next_url, errors={})


async def departments(request: Request, person: Person) -> Response:
    app = state(request)
    service = app.services.department_membership
    listed = await service.directory()
    entities = await app.presenter.accounts([item.department for item in listed])
    mine = {d.id for d in await service.departments_of(person.account)}
    rows = [(item, entity, item.department.id in mine) for item, entity in zip(listed, entities, strict=True)]
    return page(request, "departments.html", person=person, rows=rows)


async def _department(request: Request) -> Account:
    try:
        return await state(request).services.department_membership.department(request.path_params["slug"])
    except NotFound:
        raise NotFound(gettext(NO_SUCH_DEPARTMENT)) from None


async def members(request: Request, person: Person) -> Response:
    app = state(request)
    department = await _department(request)
    found = await app.services.department_membership.members(department)
    entities = await app.presenter.accounts([account for account, _ in found])
    rows = [(entity, membership.role is MemberRole.PUBLISHER)
            for entity, (_, membership) in zip(entities, found, strict=True)]
    return page(request, "members.html", person=person, department=await app.presenter.account(department),
                panel=await department_panel(request, person, department), rows=rows)


async def join(request: Request, person: Person, form: Params) -> Response:
    department = await _department(request)
    await state(request).services.department_membership.join(person.account, person.user, department)
    return redirect(local_path(form.get_str("back"), f"/departments/{department.username}/members"), "joined")


async def leave(request: Request, person: Person, form: Params) -> Response:
    department = await _department(request)
    await state(request).services.department_membership.leave(person.account, department)
    return redirect(local_path(form.get_str("back"), f"/departments/{department.username}/members"), "left")
