"""The compose box (on every timeline and at ``/compose``) and what posting from it does.

Posting calls what ``POST /api/v1/statuses`` calls: the draft is checked
first, so a refused post uploads nothing; then the image is stored, the
status created, and auto-publish asked, exactly as for an app. "Propose
for outside" adds the configured nomination hashtag, the same signal a
Mastodon client sends. Refused input comes back in the form, next to the
field it concerns, with everything typed kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final, TypeVar

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InsideoutError, InvalidInput
from server.edge.dates import parse_datetime
from server.edge.params import Params
from server.services.identities import reader_for
from server.services.important_posts import check_until
from server.services.poll_spec import PollSpec
from server.services.statuses import MAX_CHARACTERS, StatusDraft
from server.state import app_state as state
from server.web.staff.gate import FormRefused, Person, local_path, page, redirect
from server.web.staff.i18n import N_, gettext
from storage.models import Account, Reader, Visibility
from storage.profiles import Preferences

MAX_UPLOAD_READ: Final = 64 * 1024 * 1024
ALT_REQUIRED: Final = N_("Describe the image for people who cannot see it.")
VISIBILITIES: Final = {v.value for v in Visibility}
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class IdentityChoice:
    id: int
    label: str
    auto_publishes: bool


@dataclass(frozen=True, slots=True)
class ComposeForm:
    """What the compose form shows: the input so far, its errors, and the person's choices."""

    back: str
    identities: Sequence[IdentityChoice]
    acting_as: int
    nominate_hashtag: str
    alt_required: bool
    text: str = ""
    spoiler_text: str = ""
    visibility: str = "public"
    language: str = ""
    description: str = ""
    poll_options: Sequence[str] = ()
    poll_expires_in: int = 86400
    poll_multiple: bool = False
    scheduled_at: str = ""
    propose: bool = False
    important: bool = False
    important_until: str = ""
    in_reply_to_id: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    max_characters: int = MAX_CHARACTERS

    @property
    def auto_publishing(self) -> list[str]:
        return [str(i.id) for i in self.identities if i.auto_publishes]


async def identity_choices(request: Request, person: Person) -> list[IdentityChoice]:
    """The person, then the company and departments they may post as, each saying whether it publishes at once."""
    services = state(request).services
    # Only admins, publishers and a department's publishers may post as another identity, and those are the
    # people who review (``person.reviews``, read at sign-in): for everyone else, no lookup at all.
    others = [a for a in await services.oauth.identities(person.user) if a.id != person.account.id] \
        if person.reviews else []
    if not others:  # no choice to make, so no warning to give: most people, on every page with the box
        return [IdentityChoice(person.account.id, _label(person.account, True), False)]
    trusts = {t.account.id: t.enabled for t in await services.auto_publish.trust([person.account, *others])}
    return [IdentityChoice(a.id, _label(a, a is person.account), trusts.get(a.id, False))
            for a in [person.account, *others]]


def _label(account: Account, is_self: bool) -> str:
    name = account.display_name or account.username
    return gettext("Myself (%(name)s)") % {"name": name} if is_self else f"{name} (@{account.username})"


async def blank_compose(request: Request, person: Person, back: str, *, in_reply_to_id: str | None = None,
                        text: str = "", visibility: str | None = None) -> ComposeForm:
    app = state(request)
    defaults = await app.services.statuses.posting_preferences(person.account)
    return ComposeForm(
        back=back, identities=await identity_choices(request, person), acting_as=person.account.id,
        nominate_hashtag=app.settings.publication.nominate_hashtag.lstrip("#"),
        alt_required=app.settings.media.require_alt_text, text=text,
        visibility=visibility or defaults.visibility.value, language=defaults.language or "",
        in_reply_to_id=in_reply_to_id,
    )


def kept(blank: ComposeForm, form: Params, errors: dict[str, str]) -> ComposeForm:
    """The blank form refilled with what was sent (everything but the file, which browsers cannot refill)."""
    raw_as = form.get_str("as") or ""
    acting = int(raw_as) if raw_as.isdigit() and len(raw_as) < 19 else None
    return replace(
        blank, text=form.get_str("status", "") or "", spoiler_text=form.get_str("spoiler_text", "") or "",
        visibility=_one_of(form.get_str("visibility"), VISIBILITIES, blank.visibility),
        language=form.get_str("language", "") or "", description=form.get_str("description", "") or "",
        poll_options=list(_poll(form).options), scheduled_at=form.get_str("scheduled_at", "") or "",
        poll_expires_in=_int_or(form.get_str("poll[expires_in]"), blank.poll_expires_in),
        poll_multiple=bool(_poll(form).multiple), propose=form.get_str("propose") == "1",
        important=form.get_str("important") == "1", important_until=form.get_str("important_until", "") or "",
        acting_as=acting if acting is not None else blank.acting_as, errors=errors,
        in_reply_to_id=form.get_str("in_reply_to_id") or blank.in_reply_to_id,
    )


def _one_of(raw: str | None, allowed: set[str], default: str) -> str:
    return raw if raw is not None and raw in allowed else default


def _int_or(raw: str | None, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else default


def _poll(form: Params) -> PollSpec:
    poll = form.get_dict("poll")
    options = tuple(poll.get_str_list("options")) if poll is not None else ()
    expires = _int_or(poll.get_str("expires_in"), 86400) if poll is not None else 86400
    multiple = bool(poll.get_bool("multiple", False)) if poll is not None else False
    return PollSpec(options=tuple(o for o in options if o.strip()), expires_in=expires, multiple=multiple)


async def show_compose(request: Request, person: Person) -> Response:
    """``/compose``: the full form; ``?in_reply_to=ID`` answers a post the person can see."""
    services = state(request).services
    reply_to = request.query_params.get("in_reply_to", "")
    replying = None
    text = ""
    visibility = None
    if reply_to.isdigit() and len(reply_to) < 19:
        parent = await services.statuses.visible(person.reader, int(reply_to))
        replying = await state(request).presenter.status(parent, person.account)
        text = reply_mentions(replying, person)
        visibility = parent.visibility.value if parent.visibility is not Visibility.PUBLIC else None
    back = local_path(request.query_params.get("back"), "/home")
    compose = await blank_compose(request, person, back, in_reply_to_id=reply_to if replying else None, text=text,
                                  visibility=visibility)
    stances = await services.review_queries.stances([parent]) if replying else {}
    return page(request, "compose.html", person=person, compose=compose, replying_to=replying,
                stances={str(k): v for k, v in stances.items()}, back=back)


def reply_mentions(parent: dict[str, object], person: Person) -> str:
    """``@author`` and the others mentioned, as Mastodon's reply box starts; never oneself."""
    names: list[str] = []
    account = parent.get("account")
    if isinstance(account, dict):
        names.append(str(account.get("acct")))
    mentions = parent.get("mentions")
    for mention in mentions if isinstance(mentions, list) else []:
        if isinstance(mention, dict):
            names.append(str(mention.get("acct")))
    unique = [n for i, n in enumerate(names) if n and n not in names[:i] and n != person.account.username]
    return "".join(f"@{name} " for name in unique)


async def refill(request: Request, person: Person, form: Params, refused: FormRefused) -> Response:
    back = local_path(form.get_str("back"), "/home")
    blank = await blank_compose(request, person, back, in_reply_to_id=form.get_str("in_reply_to_id"))
    compose = kept(blank, form, {refused.field: refused.message})
    return page(request, "compose.html", person=person, status=refused.status, compose=compose, replying_to=None,
                stances={}, back=back)


async def post(request: Request, person: Person, form: Params) -> Response:
    app = state(request)
    services = app.services
    author, reader = await _author(request, person, form)
    draft = _draft(request, form, await services.statuses.posting_preferences(author))
    upload = form.get_file("file")
    has_image = upload is not None and bool(upload.filename)
    description = (form.get_str("description") or "").strip()
    if has_image and not description and app.settings.media.require_alt_text:
        raise FormRefused("description", gettext(ALT_REQUIRED))
    scheduled_at = _scheduled_at(form)
    if scheduled_at is not None and author.id != person.account.id:
        raise FormRefused("scheduled_at", gettext("Posts made as the company or a department cannot be scheduled."))
    important_until = _important_until(form, author, person, draft, scheduled_at)
    await _checked(services.statuses.check(author, draft, reader=reader), "status")
    if has_image and upload is not None:
        media = await _checked(_upload(request, author, upload, description), "file")
        draft = replace(draft, media_ids=(media,), extra={**draft.extra, "media_ids_given": True})
    back = local_path(form.get_str("back"), "/home")
    if scheduled_at is not None and services.scheduled.is_future(scheduled_at):
        await _checked(services.scheduled.schedule(author, draft, scheduled_at), "scheduled_at")
        return redirect(back, "scheduled")
    status = await _checked(services.statuses.create(author, draft, reader=reader), "status")
    await services.auto_publish.after_post(status, author, person.account)
    if important_until is not None:
        await _checked(services.important_posts.mark(person.reviewer, status.id, important_until), "important_until")
    if draft.in_reply_to_id is not None and back.startswith("/@"):
        return redirect(f"{back}#status-{status.id}", "posted")
    return redirect(back, "posted")


async def _author(request: Request, person: Person, form: Params) -> tuple[Account, Reader]:
    raw = form.get_str("as")
    if not raw or raw == str(person.account.id):
        return person.account, person.reader
    identity = await state(request).services.oauth.identity_to_act_as(person.user, int(raw)) \
        if raw.isdigit() and len(raw) < 19 else None
    if identity is None:
        raise FormRefused("form", gettext("You cannot post as that account."), 403)
    return identity, reader_for(identity, person.account, person.user)


def _draft(request: Request, form: Params, prefs: Preferences) -> StatusDraft:
    text = form.get_str("status", "") or ""
    if form.get_str("propose") == "1":
        text = with_hashtag(text, state(request).settings.publication.nominate_hashtag.lstrip("#"))
    raw_visibility = form.get_str("visibility") or prefs.visibility.value
    if raw_visibility not in VISIBILITIES:
        raise FormRefused("visibility", gettext("Choose who can see the post."))
    poll = _poll(form)
    language = (form.get_str("language") or prefs.language or "").strip().lower() or None
    reply_raw = form.get_str("in_reply_to_id") or ""
    return StatusDraft(
        text=text, visibility=Visibility(raw_visibility), spoiler_text=(form.get_str("spoiler_text") or "").strip(),
        sensitive=bool((form.get_str("spoiler_text") or "").strip()) or prefs.sensitive, language=language,
        in_reply_to_id=int(reply_raw) if reply_raw.isdigit() and len(reply_raw) < 19 else None,
        extra={"media_ids_given": False, **({"poll": poll} if poll.options else {})},
    )


def with_hashtag(text: str, tag: str) -> str:
    """``text`` ending with ``#tag`` unless it already carries it (in any case)."""
    if f"#{tag}".casefold() in text.casefold().split():
        return text
    return f"{text.rstrip()}\n\n#{tag}" if text.strip() else f"#{tag}"


def _important_until(form: Params, author: Account, person: Person, draft: StatusDraft,
                     scheduled_at: datetime | None) -> datetime | None:
    """The "Important until" of a post as the company or a department, checked before anything is written."""
    if form.get_str("important") != "1":
        return None
    if author.id == person.account.id or scheduled_at is not None:
        raise FormRefused("important_until", gettext("Only a post made now as the company or a department can be important."))
    if draft.visibility not in (Visibility.PUBLIC, Visibility.UNLISTED):
        raise FormRefused("important_until", gettext("An important post must be seen by everyone inside: choose "
                                                     "“Everyone inside” or “Inside, not on timelines”."))
    raw = (form.get_str("important_until") or "").strip()
    try:
        until = parse_datetime(raw if raw.endswith("Z") or "+" in raw[10:] else f"{raw}Z", "important_until")
    except InvalidInput:
        raise FormRefused("important_until", gettext("Give a date and time, like 2027-01-31 09:00.")) from None
    try:
        check_until(until)
    except InvalidInput as refused:
        raise FormRefused("important_until", refused.public_message) from None
    return until


def _scheduled_at(form: Params) -> datetime | None:
    raw = (form.get_str("scheduled_at") or "").strip()
    if not raw:
        return None
    # A datetime-local input sends no zone; the label says UTC.
    try:
        return parse_datetime(raw if raw.endswith("Z") or "+" in raw[10:] else f"{raw}Z", "scheduled_at")
    except InvalidInput:
        raise FormRefused("scheduled_at", gettext("Give a date and time, like 2027-01-31 09:00.")) from None


async def _upload(request: Request, author: Account, upload: UploadFile, description: str) -> int:
    data = await upload.read(MAX_UPLOAD_READ)
    media = await state(request).services.media.upload(author, data, declared_type=upload.content_type,
                                                       description=description or None)
    return media.id


async def _checked(step: Awaitable[T], field_name: str) -> T:
    """Await ``step``; a refusal becomes a form error next to ``field_name``."""
    try:
        return await step
    except FormRefused:
        raise
    except InsideoutError as error:
        if error.status_code in (400, 404, 409, 413, 415, 422):
            field = "poll" if "poll" in error.public_message.lower() else field_name
            raise FormRefused(field, error.public_message, error.status_code) from None
        raise
