"""``/settings/profile`` (one's own profile) and ``/people/ACCT/public_bio`` (a publisher writes someone's public bio).

Both show, beside the form, exactly what outsiders get: the name, avatar
and public bio as the actor document and the public profile page render
them (``OrganisationProfiles.outside_view``, whose bio is ``summary_html``,
the function the public page uses). "Preview" renders the typed text that
way without saving anything. Saving goes through ``StaffProfiles`` (the one
profile writer underneath, its rule, its audit, and an ``Update`` to
outside followers when what they see changed). A refused field comes back
beside the field with everything typed kept; chosen image files cannot be
kept by a browser, so the page says to choose them again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InvalidInput, NotFound, PayloadTooLarge
from server.edge.params import Params
from server.services.field_errors import FieldErrors
from server.services.identities import Editor
from server.services.profiles import IMAGE_LIMIT, MAX_DISPLAY_NAME, MAX_FIELD_TEXT, MAX_NOTE, ProfileUpdate
from server.state import app_state as state
from server.web.staff.gate import FormRefused, Person, page, redirect
from server.web.staff.i18n import N_, gettext
from server.web.staff.people import NO_SUCH_PERSON
from storage.models import Account
from storage.profiles import MAX_FIELDS, ProfileField, SettingsChanges

TEXTS: Final = ("display_name", "note", "public_note")
PREVIEW: Final = "preview"
FILES_AGAIN: Final = N_("Choose the image again: a browser does not keep a chosen file when a form comes back.")
TOO_LARGE: Final = {"avatar": N_("The avatar is too large (at most 2 MB)."),
                    "header": N_("The header is too large (at most 2 MB).")}
LIMITS: Final = {"display_name": MAX_DISPLAY_NAME, "note": MAX_NOTE, "public_note": MAX_NOTE,
                 "field": MAX_FIELD_TEXT, "fields": MAX_FIELDS}

Values = dict[str, object]


def _read(form: Params) -> Values:
    values: Values = {name: form.get_str(name, "") or "" for name in TEXTS}
    values["fields"] = [(form.get_str(f"field_name_{i}", "") or "", form.get_str(f"field_value_{i}", "") or "")
                        for i in range(MAX_FIELDS)]
    return values


async def _current(request: Request, person: Person) -> Values:
    own = await state(request).services.profiles.own(person.account)
    fields = [(f.name, f.value) for f in own.profile.fields]
    return {"display_name": own.account.display_name, "note": own.account.note,
            "public_note": own.account.public_note,
            "fields": fields + [("", "")] * (MAX_FIELDS - len(fields))}


def _outside(request: Request, account: Account, values: Values | None) -> object:
    """What outsiders get of ``account``; with ``values``, of the account as the form would make it."""
    if values is not None:
        account = replace(account, display_name=str(values.get("display_name", account.display_name)).strip(),
                          public_note=str(values["public_note"]).strip())
    return state(request).services.organisation_profiles.outside_view(account)


def _profile_page(request: Request, person: Person, values: Values, *, errors: dict[str, str] | None = None,
                  status: int = 200, preview: bool = False) -> Response:
    return page(request, "profile_settings.html", person=person, status=status, values=values,
                errors=errors or {}, outside=_outside(request, person.account, values if preview else None),
                preview=preview, exposed=person.account.exposed, limits=LIMITS,
                domain=state(request).settings.domain)


async def show_profile(request: Request, person: Person) -> Response:
    return _profile_page(request, person, await _current(request, person))


async def save_profile(request: Request, person: Person, form: Params) -> Response:
    values = _read(form)
    if form.get_str("intent") == PREVIEW:
        return _profile_page(request, person, values, preview=True)
    rows = [i for i, (n, v) in enumerate(_pairs(values)) if n.strip() or v.strip()]  # blank rows are dropped
    try:
        update = ProfileUpdate(
            display_name=str(values["display_name"]), note=str(values["note"]),
            public_note=str(values["public_note"]),
            settings=SettingsChanges(fields=tuple(ProfileField(n.strip(), v.strip())
                                                  for n, v in (_pairs(values)[i] for i in rows))),
            avatar=await _upload(form, "avatar"), header=await _upload(form, "header"),
        )
        editor = Editor(person.account, person.user, f"user:{person.account.id}")
        await state(request).services.staff_profiles.update(person.account, update, editor)
    except FieldErrors as refused:
        errors = {_form_row(name, rows): message for name, message in refused.fields.items()}
        return _profile_page(request, person, values, errors=_with_files(errors), status=422, preview=True)
    finally:
        await form.aclose()
    return redirect("/settings/profile", "profile_saved")


def _form_row(name: str, rows: list[int]) -> str:
    """``field-N`` of the saved fields is the form's row ``rows[N]`` (blank rows were left out)."""
    number = name.removeprefix("field-")
    return f"field-{rows[int(number)]}" if name.startswith("field-") and number.isdigit() and int(number) < len(rows) \
        else name


async def refill_profile(request: Request, person: Person, form: Params, refused: FormRefused) -> Response:
    return _profile_page(request, person, _read(form), errors=_with_files({refused.field: refused.message}),
                         status=refused.status, preview=True)


def _pairs(values: Values) -> list[tuple[str, str]]:
    fields = values["fields"]
    return list(fields) if isinstance(fields, list) else []


def _with_files(errors: dict[str, str]) -> dict[str, str]:
    return {**errors, "files": gettext(FILES_AGAIN)}


async def _upload(form: Params, name: str) -> bytes | None:
    value = form.get(name)
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    data = await value.read(IMAGE_LIMIT + 1)
    if not data:
        return None
    if len(data) > IMAGE_LIMIT:
        raise FieldErrors({name: gettext(TOO_LARGE[name])})
    return data


# --- someone's public bio, written by a publisher or an admin ---------------------------------------


async def _employee(request: Request, person: Person) -> Account:
    """The employee whose public bio this is; anyone the person may not write for is not found, as a missing one."""
    services = state(request).services
    try:
        account = await services.staff_profiles.employee(request.path_params["acct"].lstrip("@"))
    except NotFound:
        raise NotFound(gettext(NO_SUCH_PERSON)) from None
    if not services.staff_profiles.may_write_public_bio(person.reviewer, account):
        raise NotFound(gettext(NO_SUCH_PERSON))
    return account


def _bio_page(request: Request, person: Person, account: Account, text: str, *, errors: dict[str, str] | None = None,
              status: int = 200, preview: bool = False) -> Response:
    return page(request, "public_bio.html", person=person, status=status, account=account, text=text,
                errors=errors or {}, outside=_outside(request, account, {"public_note": text} if preview else None),
                preview=preview, limit=MAX_NOTE, domain=state(request).settings.domain)


async def show_public_bio(request: Request, person: Person) -> Response:
    account = await _employee(request, person)
    return _bio_page(request, person, account, account.public_note)


async def save_public_bio(request: Request, person: Person, form: Params) -> Response:
    account = await _employee(request, person)
    text = form.get_str("public_note", "") or ""
    if form.get_str("intent") == PREVIEW:
        return _bio_page(request, person, account, text, preview=True)
    try:
        await state(request).services.staff_profiles.set_public_note(person.reviewer, account, text)
    except (FieldErrors, InvalidInput, PayloadTooLarge) as refused:
        message = refused.fields.get("public_note") if isinstance(refused, FieldErrors) else None
        return _bio_page(request, person, account, text, errors={"public_note": message or refused.public_message},
                         status=422, preview=True)
    return redirect(f"/@{account.acct}", "public_bio_saved")


async def refill_public_bio(request: Request, person: Person, form: Params, refused: FormRefused) -> Response:
    account = await _employee(request, person)
    return _bio_page(request, person, account, form.get_str("public_note", "") or "",
                     errors={refused.field: refused.message}, status=refused.status, preview=True)
