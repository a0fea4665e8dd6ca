"""``/settings/notifications``: which notifications each of the person's apps pushes to their devices.

Insideout keeps no notification preferences of its own: every
notification is listed in the web app and the apps (its notification
policy accepts everything, as ``/api/v2/notifications/policy`` says).
What a person chooses is per Web Push subscription, as in Mastodon: the
alert types a subscription pushes and whose notifications (its policy).
This page changes those through the same service as
``PUT /api/v1/push/subscription``; another person's subscription answers
as a missing one.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import NotFound
from server.edge.params import Params
from server.state import app_state as state
from server.web.staff.gate import FormRefused, Person, page, redirect
from server.web.staff.i18n import N_, gettext
from storage.push import ALERT_TYPES, PushPolicy

NO_SUCH_SUBSCRIPTION: Final = N_("This push subscription does not exist, or its app was signed out.")
# The choices' labels, in English: translated when the page shows them.
ALERTS: Final = {
    "mention": N_("Mentions and replies"), "status": N_("New posts of people you asked to be notified about"),
    "reblog": N_("Boosts of your posts"), "follow": N_("New followers"), "follow_request": N_("Follow requests"),
    "favourite": N_("Favourites of your posts"), "poll": N_("Polls you voted in or created have ended"),
    "update": N_("Posts you boosted were edited"), "admin.sign_up": N_("New people signed up (admins)"),
    "admin.report": N_("New reports (admins)"),
}
POLICIES: Final = {"all": N_("Anyone"), "followed": N_("People you follow"), "follower": N_("Your followers"),
                   "none": N_("Nobody")}


def _shown_alerts(person: Person) -> dict[str, str]:
    return {k: gettext(ALERTS[k]) for k in ALERT_TYPES if person.is_admin or not k.startswith("admin.")}


async def index(request: Request, person: Person) -> Response:
    return await _page(request, person, {}, None)


async def _page(request: Request, person: Person, errors: dict[str, str], refused_id: int | None,
                status: int = 200, kept: Params | None = None) -> Response:
    services = state(request).services
    subscriptions = await services.push_subscriptions.of_account(person.account.id)
    apps = {g.token.id: g.application.name if g.application else None
            for g in await services.tokens.granted(person.account.id)}
    return page(request, "settings_notifications.html", person=person, status=status, errors=errors,
                refused_id=refused_id, subscriptions=subscriptions, apps=apps, alerts=_shown_alerts(person),
                policies={value: gettext(label) for value, label in POLICIES.items()}, kept_alerts=set(kept.get_str_list("alerts")) if kept else set(),
                kept_policy=kept.get_str("policy") if kept else None)


def _subscription_id(request: Request) -> int:
    raw = str(request.path_params["id"])
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound(gettext(NO_SUCH_SUBSCRIPTION))
    return int(raw)


async def save(request: Request, person: Person, form: Params) -> Response:
    subscription_id = _subscription_id(request)
    raw_policy = form.get_str("policy") or ""
    if raw_policy not in POLICIES:
        raise FormRefused("policy", gettext("Choose whose notifications are pushed."))
    chosen = set(form.get_str_list("alerts"))
    allowed = _shown_alerts(person)
    alerts = frozenset(k for k in allowed if k in chosen)
    try:
        await state(request).services.push_subscriptions.update_own(person.account.id, subscription_id, alerts,
                                                                     PushPolicy(raw_policy))
    except NotFound:
        raise NotFound(gettext(NO_SUCH_SUBSCRIPTION)) from None
    return redirect("/settings/notifications", "saved")


async def refill(request: Request, person: Person, form: Params, refused: FormRefused) -> Response:
    if refused.status == 404:
        return await _page(request, person, {"form": gettext(NO_SUCH_SUBSCRIPTION)}, None, 404)
    raw = str(request.path_params.get("id", ""))
    return await _page(request, person, {refused.field: refused.message},
                       int(raw) if raw.isdigit() and len(raw) < 19 else None, refused.status, form)
