"""``/settings/email``: which mails a person gets, each kind on or off (the unsubscribe links switch the same).

Mail goes to the person's staff address, the one their account was made
with (or their identity provider gave); this page shows it and does not
change it. Without an ``[email]`` section the server sends no mail, and the
page says so, but the choices are kept for when it does.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from server.edge.params import Params
from server.state import app_state as state
from server.web.staff.gate import Person, page, redirect
from server.web.staff.i18n import N_, gettext
from storage.mail import MailKind

# The choices, in English: translated when the page shows them.
KINDS: Final = {
    MailKind.MENTION: (N_("Mentions and direct messages"),
                       N_("when someone mentions you or writes to you while no app of yours has been open for a while")),
    MailKind.PROPOSAL_DECISION: (N_("Decisions on your proposed posts"),
                                 N_("when a post you proposed for publication outside is approved or declined")),
    MailKind.IMPORTANT: (N_("Important posts"),
                         N_("when the company or one of your departments marks a post important")),
    MailKind.DIGEST: (N_("Weekly digest"),
                      N_("the most talked-about posts of the week in your departments and from people you follow")),
}


async def index(request: Request, person: Person) -> Response:
    mail = state(request).services.mail
    chosen = await mail.links.settings(person.account.id)
    kinds = [(kind.value, gettext(label), gettext(hint), chosen[kind]) for kind, (label, hint) in KINDS.items()]
    return page(request, "settings_email.html", person=person, kinds=kinds, address=person.user.email,
                enabled=mail.enabled)


async def save(request: Request, person: Person, form: Params) -> Response:
    wanted = set(form.get_str_list("kinds"))
    await state(request).services.mail.links.change(person.account.id, {kind: kind.value in wanted for kind in KINDS})
    return redirect("/settings/email", "saved")
