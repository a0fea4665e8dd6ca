"""``/settings/filters``: the person's filters (Mastodon's v2 shape), listed, created, changed and deleted.

The same ``FilterService`` as ``/api/v2/filters``: the person's open apps
hear ``filters_changed`` after each change, and another person's filter
answers exactly as a missing one. A filter's form has rows of keywords:
an empty new row is ignored, an existing row emptied or ticked "Remove"
is removed. Refused input comes back with the message next to its field,
and nothing of it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import NotFound
from server.edge.params import Params
from server.services.field_errors import FieldCheck, FieldErrors
from server.state import app_state as state
from server.web.staff.gate import FormRefused, Person, error_page, page, redirect
from server.web.staff.i18n import N_, gettext, ngettext
from storage.clock import utcnow
from storage.curation import FILTER_CONTEXTS, Filter, FilterAction, FilterFields, KeywordEdit

NO_SUCH_FILTER: Final = N_("This filter does not exist.")
MAX_TITLE: Final = 200
MAX_KEYWORD: Final = 200
MAX_ROWS: Final = 100
BLANK_ROWS: Final = 2
# The choices' labels, in English: translated when a page shows them (``_translated``).
CONTEXTS: Final = {"home": N_("Home and lists"), "notifications": N_("Notifications"),
                   "public": N_("Public timelines"), "thread": N_("Conversations"), "account": N_("Profiles")}
ACTIONS: Final = {"warn": N_("Hide behind a warning that names the filter"), "blur": N_("Blur media only"),
                  "hide": N_("Hide completely")}
EXPIRIES: Final = {"": N_("Never"), "1800": N_("In 30 minutes"), "3600": N_("In 1 hour"), "21600": N_("In 6 hours"),
                   "43200": N_("In 12 hours"), "86400": N_("In 1 day"), "604800": N_("In 1 week")}
KEEP: Final = "keep"


@dataclass(slots=True)
class KeywordRow:
    id: str = ""
    keyword: str = ""
    whole_word: bool = True
    remove: bool = False


@dataclass(slots=True)
class FilterForm:
    """What the form shows: a filter's values or the input sent, and the errors by field."""

    title: str = ""
    context: list[str] = field(default_factory=lambda: list(FILTER_CONTEXTS))
    action: str = "warn"
    expires: str = ""
    expires_at: datetime | None = None
    keywords: list[KeywordRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound(gettext(NO_SUCH_FILTER))
    return int(raw)


async def _owned(request: Request, person: Person) -> Filter:
    try:
        return await state(request).services.filters.get(person.account.id, _id(str(request.path_params["id"])))
    except NotFound:
        raise NotFound(gettext(NO_SUCH_FILTER)) from None


def _padded(rows: list[KeywordRow]) -> list[KeywordRow]:
    return [*rows, *(KeywordRow() for _ in range(BLANK_ROWS))]


def _of(found: Filter) -> FilterForm:
    return FilterForm(
        title=found.title, context=list(found.context), action=found.filter_action.value,
        expires=KEEP if found.expires_at is not None else "", expires_at=found.expires_at,
        keywords=[KeywordRow(str(k.id), k.keyword, k.whole_word) for k in found.keywords],
    )


def _sent(form: Params, current: Filter | None) -> FilterForm:
    rows = [KeywordRow(id=item.get_str("id") or "", keyword=(item.get_str("keyword") or "").strip(),
                       whole_word=item.get_str("whole_word") == "1", remove=item.get_str("remove") == "1")
            for item in form.get_indexed("keywords")[:MAX_ROWS]]
    return FilterForm(
        title=(form.get_str("title") or "").strip(), context=form.get_str_list("context"),
        action=form.get_str("filter_action") or "", expires=form.get_str("expires_in") or "",
        expires_at=current.expires_at if current is not None else None,
        keywords=[r for r in rows if r.id or r.keyword],
    )


def _checked(sent: FilterForm, current: Filter | None) -> tuple[FilterFields, list[KeywordEdit]]:
    check = FieldCheck()
    if not sent.title:
        check.refuse("title", gettext("Give the filter a title."))
    elif len(sent.title) > MAX_TITLE:
        check.refuse("title", ngettext("A title is at most %(count)d character.", "A title is at most %(count)d characters.",
                                       MAX_TITLE) % {"count": MAX_TITLE})
    if not sent.context or any(c not in CONTEXTS for c in sent.context):
        check.refuse("context", gettext("Choose at least one place where the filter applies."))
    if sent.action not in ACTIONS:
        check.refuse("filter_action", gettext("Choose what the filter does."))
    if sent.expires not in EXPIRIES and not (sent.expires == KEEP and current is not None):
        check.refuse("expires_in", gettext("Choose when the filter ends."))
    known = {str(k.id) for k in current.keywords} if current is not None else set()
    for row in sent.keywords:
        if row.id and row.id not in known:
            check.refuse("keywords", gettext("A keyword of this form no longer exists; reload the page."))
        elif len(row.keyword) > MAX_KEYWORD:
            check.refuse("keywords", ngettext("A keyword is at most %(count)d character.",
                                              "A keyword is at most %(count)d characters.", MAX_KEYWORD)
                         % {"count": MAX_KEYWORD})
    check.raise_any()
    expires_at = (current.expires_at if current is not None and sent.expires == KEEP
                  else utcnow() + timedelta(seconds=int(sent.expires)) if sent.expires else None)
    fields = FilterFields(title=sent.title, context=tuple(dict.fromkeys(sent.context)),
                          filter_action=FilterAction(sent.action), expires_at=expires_at)
    edits = [KeywordEdit(id=int(r.id) if r.id else None, keyword=r.keyword, whole_word=r.whole_word,
                         destroy=bool(r.id) and (r.remove or not r.keyword))
             for r in sent.keywords if r.id or (r.keyword and not r.remove)]
    return fields, edits


def _form_page(request: Request, person: Person, form: FilterForm, found: Filter | None,
               status: int = 200) -> Response:
    return page(request, "settings_filter.html", person=person, status=status, form=form, found=found,
                rows=_padded(form.keywords), contexts=_translated(CONTEXTS), actions=_translated(ACTIONS),
                expiries=_translated(EXPIRIES), keep=KEEP)


def _translated(labels: dict[str, str]) -> dict[str, str]:
    return {value: gettext(label) for value, label in labels.items()}


async def index(request: Request, person: Person) -> Response:
    owned = await state(request).services.filters.owned(person.account.id)
    return page(request, "settings_filters.html", person=person, filters=owned, contexts=_translated(CONTEXTS),
                actions=_translated(ACTIONS), now=utcnow())


async def show_new(request: Request, person: Person) -> Response:
    return _form_page(request, person, FilterForm(), None)


async def show_edit(request: Request, person: Person) -> Response:
    found = await _owned(request, person)
    return _form_page(request, person, _of(found), found)


async def create(request: Request, person: Person, form: Params) -> Response:
    sent = _sent(form, None)
    try:
        fields, edits = _checked(sent, None)
    except FieldErrors as refused:
        sent.errors = refused.fields
        return _form_page(request, person, sent, None, 422)
    keywords = [(e.keyword, True if e.whole_word is None else e.whole_word) for e in edits if e.keyword]
    await state(request).services.filters.create(person.account.id, fields, keywords)
    return redirect("/settings/filters", "filter_saved")


async def update(request: Request, person: Person, form: Params) -> Response:
    found = await _owned(request, person)
    sent = _sent(form, found)
    try:
        fields, edits = _checked(sent, found)
    except FieldErrors as refused:
        sent.errors = refused.fields
        return _form_page(request, person, sent, found, 422)
    await state(request).services.filters.update(person.account.id, found, fields, edits)
    return redirect("/settings/filters", "filter_saved")


async def delete(request: Request, person: Person, form: Params) -> Response:
    found = await _owned(request, person)
    await state(request).services.filters.delete(person.account.id, found)
    return redirect("/settings/filters", "filter_deleted")


async def refill(request: Request, person: Person, form: Params, refused: FormRefused) -> Response:
    found = None
    if "id" in request.path_params:
        try:
            found = await _owned(request, person)
        except NotFound as missing:  # someone else's, or deleted meanwhile: the same answer as a missing one
            return error_page(request, missing, person)
    sent = _sent(form, found)
    sent.errors = {refused.field: refused.message}
    return _form_page(request, person, sent, found, refused.status)
