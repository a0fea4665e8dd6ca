"""One post: its thread, what one does to it (favourite, boost, bookmark, vote), editing and deleting it.

Every action is the API's service call with the person's own eyes, and
returns to the page it was made on (``back``, a path on this server). A
post the person cannot see answers as a missing one, as in the API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InvalidInput, NotFound
from server.edge.dates import format_datetime, parse_datetime
from server.edge.params import Params, to_int
from server.present.entities.media import media_entity
from server.present.entities.status import status_edit_entity
from server.services.status_draft import MediaChange
from server.services.statuses import MAX_CHARACTERS, StatusDraft
from server.state import app_state as state
from server.web.staff.compose import blank_compose, reply_mentions
from server.web.staff.gate import FormRefused, Person, local_path, page, redirect
from server.web.staff.i18n import N_, gettext
from server.web.staff.posts import present
from storage.models import Status

NO_SUCH_POST: Final = N_("This post does not exist, or you cannot see it.")


def status_id_of(request: Request, name: str = "id") -> int:
    raw = str(request.path_params[name])
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound(gettext(NO_SUCH_POST))
    return int(raw)


async def _visible(request: Request, person: Person, status_id: int) -> Status:
    try:
        return await state(request).services.statuses.visible(person.reader, status_id)
    except NotFound:
        raise NotFound(gettext(NO_SUCH_POST)) from None


def post_path(entity: dict[str, object]) -> str:
    account = entity["account"]
    acct = account["acct"] if isinstance(account, dict) else ""
    return f"/@{acct}/{entity['id']}"


async def thread(request: Request, person: Person, status_id: int, acct: str | None) -> Response:
    """``/@acct/ID`` for staff: the post, what it answers, its replies, and a reply box."""
    app = state(request)
    status = await _visible(request, person, status_id)
    if status.reblog_of_id is not None:
        original = await _visible(request, person, status.reblog_of_id)
        entity = await app.presenter.status(original, person.account)
        return redirect(post_path(entity))
    found = await app.services.statuses.context(person.reader, status.id)
    shown = [*found.ancestors, status, *found.descendants]
    entities, stances = await present(request, person, shown, context="thread")
    by_id = {e["id"]: e for e in entities}
    focus = by_id.get(str(status.id))
    if focus is None:  # a filter of the person's hides it: show it anyway, this is its own page
        focus = await app.presenter.status(status, person.account)
    if acct is not None and acct.lstrip("@") != focus["account"]["acct"]:
        return redirect(post_path(focus))
    back = post_path(focus)
    compose = await blank_compose(request, person, back, in_reply_to_id=str(status.id),
                                  text=reply_mentions(focus, person),
                                  visibility=status.visibility.value if status.visibility.value != "public" else None)
    outside = None
    if stances.get(str(status.id)) in ("published", "revision"):
        public_face = app.services.public_face
        outside = {"likes": await public_face.outside_likes(status),
                   "shares": await public_face.outside_shares(status)}
    author = focus["account"]
    # The author's own post: its reach inside (counts only, small ones hidden; none for a direct message).
    reach = await app.services.analytics.own_post(person.account, status)
    important = await important_panel(request, person, status)
    return page(
        request, "thread.html", person=person, reach=reach, important=important,
        title=gettext("Post by %(name)s") % {"name": author["display_name"] or author["username"]},
        ancestors=[by_id[str(s.id)] for s in found.ancestors if str(s.id) in by_id], focus=focus,
        descendants=[by_id[str(s.id)] for s in found.descendants if str(s.id) in by_id], stances=stances,
        back=back, compose=compose, outside=outside,
    )


async def by_id(request: Request, person: Person) -> Response:
    """``/statuses/ID``: the thread page's canonical address, found from the id alone."""
    status = await _visible(request, person, status_id_of(request))
    entity = await state(request).presenter.status(status, person.account)
    return redirect(post_path(entity))


async def important_panel(request: Request, person: Person, status: Status) -> dict[str, object] | None:
    """For a publisher who may mark this post important: whether it is, and until when; None for anyone else."""
    important = state(request).services.important_posts
    if not await important.markable(person.reviewer, status):
        return None
    current = (await important.current([status.id])).get(status.id)
    return {"until": format_datetime(current.until) if current else None}


async def mark_important(request: Request, person: Person, form: Params) -> Response:
    status_id = status_id_of(request)
    raw = (form.get_str("until") or "").strip()
    try:
        until = parse_datetime(raw if raw.endswith("Z") or "+" in raw[10:] else f"{raw}Z", "until") if raw else None
    except InvalidInput:
        raise InvalidInput(gettext("Give a date and time, like 2027-01-31 09:00.")) from None
    await state(request).services.important_posts.mark(person.reviewer, status_id, until)
    return redirect(local_path(form.get_str("back"), "/home"), "marked_important")


async def unmark_important(request: Request, person: Person, form: Params) -> Response:
    await state(request).services.important_posts.unmark(person.reviewer, status_id_of(request))
    return redirect(local_path(form.get_str("back"), "/home"), "unmarked_important")


Act = Callable[[Request, Person, int], Awaitable[object]]


def _act(run: Act) -> Callable[[Request, Person, Params], Awaitable[Response]]:
    async def handler(request: Request, person: Person, form: Params) -> Response:
        status_id = status_id_of(request)
        await run(request, person, status_id)
        back = local_path(form.get_str("back"), "/home")
        return redirect(f"{back}#status-{status_id}" if "#" not in back else back)
    return handler


async def _favourite(request: Request, person: Person, status_id: int) -> object:
    return await state(request).services.interactions.favourite(person.account, status_id, reader=person.reader)


async def _unfavourite(request: Request, person: Person, status_id: int) -> object:
    return await state(request).services.interactions.unfavourite(person.account, status_id, reader=person.reader)


async def _bookmark(request: Request, person: Person, status_id: int) -> object:
    return await state(request).services.interactions.bookmark(person.account, status_id, reader=person.reader)


async def _unbookmark(request: Request, person: Person, status_id: int) -> object:
    return await state(request).services.interactions.bookmark(person.account, status_id, on=False,
                                                                reader=person.reader)


async def _reblog(request: Request, person: Person, status_id: int) -> object:
    return await state(request).services.statuses.reblog(person.account, status_id, reader=person.reader)


async def _unreblog(request: Request, person: Person, status_id: int) -> object:
    return await state(request).services.statuses.unreblog(person.account, status_id, reader=person.reader)


favourite = _act(_favourite)
unfavourite = _act(_unfavourite)
bookmark = _act(_bookmark)
unbookmark = _act(_unbookmark)
reblog = _act(_reblog)
unreblog = _act(_unreblog)


async def vote(request: Request, person: Person, form: Params) -> Response:
    poll_id = status_id_of(request)
    choices = []
    for raw in form.get_list("choices"):
        number = to_int(raw, "choices") if isinstance(raw, str) and raw.isdigit() else None
        if number is not None:
            choices.append(number)
    if not choices:
        raise InvalidInput(gettext("Choose an option before voting."))
    _, status = await state(request).services.polls.vote(person.account, poll_id, choices, reader=person.reader)
    back = local_path(form.get_str("back"), "/home")
    return redirect(f"{back}#status-{status.id}" if "#" not in back else back)


async def show_edit(request: Request, person: Person) -> Response:
    return await _edit_page(request, person, status_id_of(request), None)


async def _edit_page(request: Request, person: Person, status_id: int,
                     refused: tuple[Params, FormRefused] | None) -> Response:
    app = state(request)
    status = await _visible(request, person, status_id)
    if status.account_id != person.account.id or status.reblog_of_id is not None:
        raise NotFound(gettext(NO_SUCH_POST))
    entity = await app.presenter.status(status, person.account)
    stances = await app.services.review_queries.stances([status])
    form, error = refused if refused is not None else (Params({}), None)
    return page(
        request, "edit.html", person=person, status=error.status if error is not None else 200, status_id=status.id,
        text=form.get_str("status", "") if error is not None else status.text,
        spoiler_text=form.get_str("spoiler_text", "") if error is not None else status.spoiler_text,
        media=entity["media_attachments"], stance=stances.get(status.id, "internal"), back=post_path(entity),
        errors={error.field: error.message} if error is not None else {}, max_characters=MAX_CHARACTERS,
    )


async def edit(request: Request, person: Person, form: Params) -> Response:
    app = state(request)
    status_id = status_id_of(request)
    current = await _visible(request, person, status_id)
    changes = tuple(
        MediaChange(media_id, item.get_str("description"), None)
        for item in form.get_indexed("media_attributes") if (media_id := item.get_id("id")) is not None
    )
    draft = StatusDraft(
        text=form.get_str("status", "") or "", visibility=current.visibility,
        spoiler_text=(form.get_str("spoiler_text") or "").strip(), sensitive=current.sensitive,
        language=current.language, media_ids=tuple(form.get_id_list("media_ids")), media_changes=changes,
        extra={"media_ids_given": True},
    )
    try:
        edited = await app.services.statuses.edit(person.account, current.id, draft, reader=person.reader)
    except InvalidInput as error:
        raise FormRefused("status", error.public_message) from None
    entity = await app.presenter.status(edited, person.account)
    return redirect(post_path(entity), "edited")


async def refill_edit(request: Request, person: Person, form: Params, refused: FormRefused) -> Response:
    return await _edit_page(request, person, status_id_of(request), (form, refused))


async def show_delete(request: Request, person: Person) -> Response:
    app = state(request)
    status = await _visible(request, person, status_id_of(request))
    if status.account_id != person.account.id:
        raise NotFound(gettext(NO_SUCH_POST))
    entity = await app.presenter.status(status, person.account)
    stances = await app.services.review_queries.stances([status])
    return page(request, "delete.html", person=person, post=entity, back=post_path(entity),
                stances={str(k): v for k, v in stances.items()})


async def delete(request: Request, person: Person, form: Params) -> Response:
    await state(request).services.statuses.delete(person.account, status_id_of(request), reader=person.reader)
    return redirect(f"/@{person.account.username}", "deleted")


async def history(request: Request, person: Person) -> Response:
    app = state(request)
    status = await _visible(request, person, status_id_of(request))
    found = await app.services.statuses.history(status)
    account = await app.presenter.account(found.author)
    edits = [
        status_edit_entity(edit, account, [
            media_entity(replace(found.media[media_id], description=description), base_url=app.settings.base_url)
            for media_id, description in edit.media or () if media_id in found.media
        ])
        for edit in found.edits
    ]
    entity = await app.presenter.status(status, person.account)
    return page(request, "history.html", person=person, edits=edits, back=post_path(entity))
