"""``/auth/reset/{token}``: the page of a one-time link, where a person sets their own password.

Open (no session needed): the token is the proof. GET shows the form for a
usable link, or says plainly why the link does not work (unknown, used,
expired). POST needs the form's CSRF token (bound to a random nonce
cookie, as on the sign-in form), then ``PasswordLinks.set_password``: the
new password, every other session and token of the person revoked, the
link spent, all at once. The page sends no Referer to other sites and is
never cached, so the token does not travel further than the person's own
browser.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import BadRequest, Gone, InsideoutError, InvalidInput, NotFound
from server.admin.gate import field_messages, page, redirect
from server.edge.params import Params, read_params
from server.passwords import MIN_PASSWORD_LENGTH
from server.services.password_links import LinkHolder
from server.signin.csrf import csrf_valid
from server.signin.sessions import CSRF_FIELD
from server.state import app_state

STALE_FORM = "This form is out of date (its security token did not match). The link still works: reload the page."

# The staff web app's sign-in page: everyone lands there with their new password, staff and admins alike.
STAFF_SIGN_IN = "/auth/sign_in"


def _token(request: Request) -> str:
    return str(request.path_params.get("token", ""))


async def show(request: Request) -> Response:
    try:
        holder = await app_state(request).services.password_links.holder(_token(request))
    except (NotFound, Gone) as refused:
        return _refused(request, refused)
    return _form(request, holder)


async def submit(request: Request) -> Response:
    form = await _read(request)
    links = app_state(request).services.password_links
    valid = csrf_valid(request, form.get_str(CSRF_FIELD))
    try:
        holder = await links.holder(_token(request))
    except (NotFound, Gone) as refused:
        return _refused(request, refused, status=None if valid else 403)
    if not valid:  # 403 before anything changes, as on every form of ours; the person can simply reload
        return _form(request, holder, status=403, errors={"form": STALE_FORM})
    try:
        await links.set_password(_token(request), form.get_str("password") or "",
                                 form.get_str("password_confirmation") or "")
    except (NotFound, Gone) as refused:
        return _refused(request, refused)
    except InvalidInput as refused:
        return _form(request, holder, status=refused.status_code, errors=field_messages(refused, "password"))
    return redirect(STAFF_SIGN_IN, "password_set")


def _form(request: Request, holder: LinkHolder, *, status: int = 200,
          errors: Mapping[str, str] | None = None) -> Response:
    return page(request, "set_password.html", status=status, holder=holder, errors=errors or {},
                min_length=MIN_PASSWORD_LENGTH, action=request.url.path)


def _refused(request: Request, refused: InsideoutError, *, status: int | None = None) -> Response:
    return page(request, "link_refused.html", status=status or refused.status_code, message=refused.public_message)


async def _read(request: Request) -> Params:
    try:
        return await read_params(request)
    except BadRequest:
        return Params({})


__all__ = ["show", "submit"]
