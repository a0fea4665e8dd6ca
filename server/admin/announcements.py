"""``/admin/announcements``: publishers and admins write, edit, end and delete announcements to staff.

The same ``AnnouncementService`` as the admin API and the CLI, so the same
rules and audit entries. A refused form comes back with each message beside
its field and the input kept. Times are entered in UTC (``datetime-local``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from server.admin.gate import FORM_REFUSALS, Admin, field_messages, page, redirect
from server.edge.dates import parse_datetime
from server.edge.params import Params, path_id
from server.services.announcements import AnnouncementDraft, require_author
from server.services.field_errors import FieldCheck
from server.state import app_state

ANNOUNCEMENTS = "/admin/announcements"
TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _values_of(form: Params) -> dict[str, object]:
    return {"text": form.get_str("text") or "", "starts_at": form.get_str("starts_at") or "",
            "ends_at": form.get_str("ends_at") or "", "all_day": bool(form.get_str("all_day")),
            "departments": [d for d in form.get_str_list("departments") if d]}


def _time(check: FieldCheck, raw: str, name: str, label: str) -> datetime | None:
    return check.check(name, lambda: parse_datetime(raw, label)) if raw else None


def _draft(values: Mapping[str, object]) -> AnnouncementDraft:
    """The form's draft; a time that is not one is refused beside its field."""
    check = FieldCheck()
    starts_at = _time(check, str(values["starts_at"]), "starts_at", "The start")
    ends_at = _time(check, str(values["ends_at"]), "ends_at", "The end")
    check.raise_any()
    departments = values["departments"]
    return AnnouncementDraft(text=str(values["text"]), starts_at=starts_at, ends_at=ends_at,
                             all_day=bool(values["all_day"]),
                             departments=tuple(departments) if isinstance(departments, list) else ())


async def announcements_page(request: Request, admin: Admin, *, status: int = 200,
                             errors: Mapping[str, str] | None = None, values: Mapping[str, object] | None = None,
                             editing: int | None = None) -> Response:
    service = app_state(request).services.announcements
    reviewer = admin.reviewer
    require_author(reviewer)
    summaries = await service.listing(reviewer)
    if values is None and editing is not None:
        current = await service.summary(reviewer, editing)
        announcement = current.announcement
        values = {"text": announcement.text, "all_day": announcement.all_day,
                  "starts_at": announcement.starts_at.strftime(TIME_FORMAT) if announcement.starts_at else "",
                  "ends_at": announcement.ends_at.strftime(TIME_FORMAT) if announcement.ends_at else "",
                  "departments": [str(d.id) for d in current.departments]}
    return page(request, "announcements.html", status=status, admin=admin, announcements=summaries,
                departments=await service.departments(), errors=errors or {}, values=values or {},
                editing=editing)


async def show_announcements(request: Request, admin: Admin) -> Response:
    raw = request.query_params.get("edit", "")
    return await announcements_page(request, admin, editing=int(raw) if raw.isdigit() else None)


async def create(request: Request, admin: Admin, form: Params) -> Response:
    values = _values_of(form)
    try:
        await app_state(request).services.announcements.create(admin.reviewer, _draft(values))
    except FORM_REFUSALS as refused:
        return await announcements_page(request, admin, status=refused.status_code,
                                        errors=field_messages(refused, "text"), values=values)
    return redirect(ANNOUNCEMENTS, "announcement_created")


async def edit(request: Request, admin: Admin, form: Params) -> Response:
    announcement_id = path_id(request)
    values = _values_of(form)
    try:
        await app_state(request).services.announcements.edit(admin.reviewer, announcement_id, _draft(values))
    except FORM_REFUSALS as refused:
        return await announcements_page(request, admin, status=refused.status_code,
                                        errors=field_messages(refused, "text"), values=values,
                                        editing=announcement_id)
    return redirect(ANNOUNCEMENTS, "saved")


async def end(request: Request, admin: Admin, form: Params) -> Response:
    await app_state(request).services.announcements.end(admin.reviewer, path_id(request))
    return redirect(ANNOUNCEMENTS, "announcement_ended")


async def delete(request: Request, admin: Admin, form: Params) -> Response:
    await app_state(request).services.announcements.delete(admin.reviewer, path_id(request))
    return redirect(ANNOUNCEMENTS, "announcement_deleted")
