"""``/settings``: the index of the settings pages, the password and the posting defaults.

The password is changed as the admin reset and the CLI change it
(``AccountService.reset_password``: the same strength rule, and every token
and browser session of the person revoked in one transaction), after the
current password passed the sign-in check and its throttle. The browser
that made the change gets a fresh session, so it stays signed in while
every other one is signed out. With single sign-on as the only way in
(``[sso] password_login = false``), the page says passwords are not used.

The posting defaults are what ``update_credentials`` sets under
``source[...]`` and ``/api/v1/preferences`` reports, through the one
profile writer.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InsideoutError
from server.edge.params import Params
from server.passwords import MAX_PASSWORD_LENGTH, check_password_strength
from server.services.field_errors import FieldCheck
from server.services.identities import Editor
from server.services.profiles import ProfileUpdate
from server.signin.logins import Outcome
from server.signin.password import throttled_sign_in
from server.signin.sessions import start_session
from server.signin.throttle import Verdict
from server.state import app_state as state
from server.web.staff.gate import FormRefused, Person, page, redirect
from server.web.staff.i18n import N_, gettext
from storage.models import Visibility
from storage.profiles import SettingsChanges

PRIVACY: Final = {"public": N_("Everyone inside"), "unlisted": N_("Inside, quiet (not on the local timeline)"),
                  "private": N_("Followers only")}
LANGUAGE_LENGTHS: Final = (2, 3)


async def index(request: Request, person: Person) -> Response:
    return page(request, "settings.html", person=person)


def passwords_used(request: Request, person: Person) -> bool:
    """False when single sign-on is the only way in and this is no break-glass account."""
    return state(request).services.sign_ins.password_login or person.user.local_login


async def show_password(request: Request, person: Person) -> Response:
    return _password_page(request, person, {})


def _password_page(request: Request, person: Person, errors: dict[str, str], status: int = 200) -> Response:
    return page(request, "settings_password.html", person=person, status=status, errors=errors,
                used=passwords_used(request, person), sso_name=state(request).services.sso.display_name,
                max_length=MAX_PASSWORD_LENGTH)


async def change_password(request: Request, person: Person, form: Params) -> Response:
    app = state(request)
    if not passwords_used(request, person):
        raise FormRefused("form", gettext("Passwords are not used here: sign in with %(name)s.")
                          % {"name": app.services.sso.display_name}, 403)
    current, new = form.get_str("current_password") or "", form.get_str("password") or ""
    check = FieldCheck()
    if not current:
        check.refuse("current_password", gettext("Enter your current password."))
    if not new:
        check.refuse("password", gettext("Enter a new password."))
    else:
        check.check("password", lambda: check_password_strength(new))
    if new and new != (form.get_str("password_confirmation") or ""):
        check.refuse("password_confirmation", gettext("The two new passwords differ."))
    if current:
        client = request.client.host if request.client else "-"
        result = await throttled_sign_in(app, client, person.account.username, current)
        if isinstance(result, Verdict):
            check.refuse("current_password", gettext("Too many attempts; wait a few minutes and try again."))
        elif result.outcome is not Outcome.OK:
            check.refuse("current_password", gettext("This is not your current password."))
    if check.errors:
        return _password_page(request, person, check.errors, 422)
    await app.services.accounts.reset_password(person.account.username, new)
    response = redirect("/settings", "password_changed")
    await start_session(request, response, person.account.id)
    return response


async def refill_password(request: Request, person: Person, form: Params, refused: FormRefused) -> Response:
    return _password_page(request, person, {refused.field: refused.message}, refused.status)


async def show_preferences(request: Request, person: Person) -> Response:
    own = await state(request).services.profiles.own(person.account)
    prefs = own.preferences
    return _preferences_page(request, person, {}, privacy=prefs.visibility.value, language=prefs.language or "",
                             sensitive=prefs.sensitive)


def _preferences_page(request: Request, person: Person, errors: dict[str, str], *, privacy: str, language: str,
                      sensitive: bool, status: int = 200) -> Response:
    return page(request, "settings_preferences.html", person=person, status=status, errors=errors,
                choices={value: gettext(label) for value, label in PRIVACY.items()}, privacy=privacy, language=language, sensitive=sensitive)


async def save_preferences(request: Request, person: Person, form: Params) -> Response:
    privacy = form.get_str("privacy") or ""
    language = (form.get_str("language") or "").strip().lower()
    check = FieldCheck()
    if privacy not in PRIVACY:
        check.refuse("privacy", gettext("Choose who sees your posts by default."))
    if language and (len(language) not in LANGUAGE_LENGTHS or not language.isascii() or not language.isalpha()):
        check.refuse("language", gettext("Use a two- or three-letter ISO 639 language code, such as en or de,"
                                         " or leave it empty."))
    if check.errors:
        return _preferences_page(request, person, check.errors, privacy=privacy, language=language,
                                 sensitive=form.get_str("sensitive") == "1", status=422)
    changes = SettingsChanges(visibility=Visibility(privacy), language=language,
                              sensitive=form.get_str("sensitive") == "1")
    editor = Editor(person.account, person.user, f"user:{person.account.id}")
    try:
        await state(request).services.profiles.update(person.account, ProfileUpdate(settings=changes), editor)
    except InsideoutError as error:
        raise FormRefused("form", error.public_message, error.status_code) from None
    return redirect("/settings/preferences", "saved")


async def refill_preferences(request: Request, person: Person, form: Params, refused: FormRefused) -> Response:
    return _preferences_page(request, person, {refused.field: refused.message},
                             privacy=form.get_str("privacy") or "", language=form.get_str("language") or "",
                             sensitive=form.get_str("sensitive") == "1", status=refused.status)
