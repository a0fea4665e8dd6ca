"""The text of a Web Push notification: Mastodon's title, and a body with or without the post.

``[push] include_content = false`` (the default) keeps post text off the
push services' wire and out of lock screens: the body then only says what
happened ("You have a new mention"). The title names the sender, as
Mastodon's does; it never carries post text.
"""

from __future__ import annotations

from typing import Final

from activitypub.content import plain_text_from_html
from server.push import NotificationPayload, notification_payload
from storage.models import Account, Notification, Status

# Mastodon's notification_mailer subjects, which its Web::NotificationSerializer uses as titles.
TITLES: Final = {
    "mention": "{name} mentioned you",
    "status": "{name} just posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} is now following you",
    "follow_request": "Pending follower: {name}",
    "favourite": "{name} favorited your post",
    "poll": "A poll by {name} has ended",
    "update": "{name} edited a post",
    "admin.sign_up": "New sign-up: {name}",
    "admin.report": "New report from {name}",
}
GENERIC_BODIES: Final = {
    "mention": "You have a new mention",
    "status": "There is a new post",
    "reblog": "Your post was boosted",
    "follow": "You have a new follower",
    "follow_request": "You have a new follow request",
    "favourite": "Your post was favourited",
    "poll": "A poll has ended",
    "update": "A post was edited",
}
DEFAULT_TITLE: Final = "New notification from {name}"
DEFAULT_BODY: Final = "You have a new notification"


def sender_name(account: Account) -> str:
    return account.display_name.strip() or account.username


def title_for(notification: Notification, sender: Account) -> str:
    return TITLES.get(notification.type, DEFAULT_TITLE).format(name=sender_name(sender))


def body_for(notification: Notification, sender: Account, status: Status | None, *, include_content: bool) -> str:
    generic = GENERIC_BODIES.get(notification.type, DEFAULT_BODY)
    if not include_content:
        return generic
    if status is not None:
        text = status.spoiler_text.strip() or status.text.strip() or plain_text_from_html(status.content)
        return text or generic
    if notification.type in ("follow", "follow_request"):
        return plain_text_from_html(sender.note).strip() or generic
    return generic


def push_payload(
    notification: Notification, sender: Account, status: Status | None, icon: str, *, include_content: bool
) -> NotificationPayload:
    """Mastodon's payload shape. ``access_token`` stays empty: only token digests are stored, and
    clients fall back to the title and body (Mastodon's own service worker does so too)."""
    return notification_payload(
        access_token="",
        preferred_locale="en",
        notification_id=str(notification.id),
        notification_type=notification.type,
        icon=icon,
        title=title_for(notification, sender),
        body=body_for(notification, sender, status, include_content=include_content),
    )
