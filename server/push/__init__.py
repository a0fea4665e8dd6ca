"""Web Push delivery, as pure computation: encrypt, sign, shape the payload.

Sending the request, storing subscriptions and the VAPID key, and choosing
which notifications to push belong to the callers; nothing here does I/O.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from activitypub.errors import InvalidInput
from server.push.encryption import MAX_PLAINTEXT, decrypt, encrypt
from server.push.vapid import VapidKeyPair, endpoint_origin, vapid_authorization

__all__ = [
    "DEFAULT_TTL",
    "MAX_PLAINTEXT",
    "NotificationPayload",
    "Urgency",
    "VapidKeyPair",
    "build_push_request",
    "decrypt",
    "encrypt",
    "endpoint_origin",
    "notification_payload",
    "vapid_authorization",
]

Urgency = Literal["very-low", "low", "normal", "high"]
_URGENCIES = ("very-low", "low", "normal", "high")
DEFAULT_TTL = 48 * 60 * 60  # Mastodon's; a notification older than two days is noise
MAX_TTL = 28 * 24 * 60 * 60  # push services clamp anyway; refuse obvious mistakes
BODY_LENGTH = 140  # Mastodon truncates the notification text to this


class NotificationPayload(TypedDict):
    """The JSON Mastodon's Web::NotificationSerializer sends; its clients decode exactly this."""

    access_token: str
    preferred_locale: str
    notification_id: int | str
    notification_type: str
    icon: str
    title: str
    body: str


def _truncate(text: str, length: int = BODY_LENGTH) -> str:
    # Rails' truncate: the omission counts towards the length.
    return text if len(text) <= length else text[: length - 3] + "..."


def notification_payload(
    access_token: str,
    preferred_locale: str,
    notification_id: int | str,
    notification_type: str,
    icon: str,
    title: str,
    body: str,
) -> NotificationPayload:
    """``body`` must already be plain text (tags stripped, entities decoded); it is truncated here."""
    return {
        "access_token": access_token,
        "preferred_locale": preferred_locale,
        "notification_id": notification_id,
        "notification_type": notification_type,
        "icon": icon,
        "title": title,
        "body": _truncate(body),
    }


def build_push_request(
    endpoint: str,
    p256dh: str,
    auth: str,
    payload: bytes,
    vapid_keypair: VapidKeyPair,
    contact: str,
    ttl: int = DEFAULT_TTL,
    urgency: Urgency = "normal",
    *,
    now: float | None = None,
) -> tuple[dict[str, str], bytes]:
    """Headers and body of the POST to ``endpoint`` (RFC 8030, 8291, 8292)."""
    if not 0 <= ttl <= MAX_TTL:
        raise InvalidInput("TTL out of range")
    if urgency not in _URGENCIES:
        raise InvalidInput("Unknown push urgency")
    authorization = vapid_authorization(endpoint, vapid_keypair, contact, now=now)
    body = encrypt(payload, p256dh, auth)
    headers = {
        "Authorization": authorization,
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(ttl),
        "Urgency": urgency,
    }
    return headers, body
