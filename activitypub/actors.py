"""Local accounts as ActivityPub actors, shaped like Mastodon 4.3's ActorSerializer.

Peers key on Mastodon's field names and URL layout, so we follow them field
by field. What differs is what outsiders may learn:

* ``summary`` is the ``public_note``; the internal ``note`` never appears.
* the company and departments auto-accept followers and are discoverable;
  an employee is neither discoverable nor indexable.

Pure code: the caller decides whether the account may be shown at all
(``is_exposed``) and passes the base URL in.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Any, Final

from activitypub.context import actor_context
from storage.models import Account, AccountKind

ACTOR_TYPES: Final = {
    AccountKind.EMPLOYEE: "Person",
    AccountKind.DEPARTMENT: "Group",
    AccountKind.COMPANY: "Organization",
}


def is_exposed(account: Account) -> bool:
    """Whether outsiders may see this local actor at all.

    The company always is; a department unless an admin hid it; an employee
    once flagged (by publication, outside interaction or an admin). A
    disabled employee keeps the flag, so published posts keep their author.
    """
    if not account.is_local:
        return False
    return account.kind is AccountKind.COMPANY or account.exposed


def actor_id(base_url: str, username: str) -> str:
    return f"{base_url}/users/{username}"


def profile_url(base_url: str, username: str) -> str:
    return f"{base_url}/@{username}"


def shared_inbox_url(base_url: str) -> str:
    return f"{base_url}/inbox"


def actor_document(account: Account, *, base_url: str, public_view: bool = True) -> dict[str, Any]:
    """The actor JSON outsiders fetch.

    ``public_view=False`` gives the bare form Mastodon serves for an
    unavailable account: the same ids and key, no profile text. Neither form
    ever carries the internal ``note``.
    """
    if account.kind not in ACTOR_TYPES or not account.is_local:
        raise ValueError(f"not a local actor: {account.kind.value} {account.acct}")
    uri = actor_id(base_url, account.username)
    organisational = account.kind is not AccountKind.EMPLOYEE
    document: dict[str, Any] = {
        "@context": actor_context(),
        "id": uri,
        "type": ACTOR_TYPES[account.kind],
        "following": f"{uri}/following",
        "followers": f"{uri}/followers",
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "featured": f"{uri}/collections/featured",
        "featuredTags": f"{uri}/collections/tags",
        "preferredUsername": account.username,
        "name": (account.display_name or account.username) if public_view else account.username,
        "summary": summary_html(account.public_note) if public_view else "",
        "url": profile_url(base_url, account.username),
        # Departments and the company take every follower; an employee decides.
        "manuallyApprovesFollowers": public_view and not organisational and account.locked,
        "discoverable": public_view and organisational,
        "indexable": False,
        "published": published_date(account.created_at),
        "memorial": False,
        "publicKey": public_key(uri, account.public_key_pem),
        "tag": [],
        "attachment": [],
        "endpoints": {"sharedInbox": shared_inbox_url(base_url)},
    }
    if public_view:
        for field, path in (("icon", account.avatar_path), ("image", account.header_path)):
            if path and not path.startswith(("http://", "https://")):
                document[field] = {"type": "Image", "mediaType": _image_type(path),
                                   "url": f"{base_url}/system/{path}"}
    return document


def _image_type(path: str) -> str:
    extension = path.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "webp": "image/webp", "gif": "image/gif"}.get(extension, "image/jpeg")


def instance_actor_document(*, base_url: str, domain: str, public_key_pem: str) -> dict[str, Any]:
    """``GET /actor``: the fields Mastodon's InstanceActorsController restricts itself to.

    Its inbox is the shared inbox: the one endpoint that takes deliveries
    addressed to the server itself (relay Accepts, for instance).
    """
    uri = f"{base_url}/actor"
    return {
        "@context": actor_context(),
        "id": uri,
        "type": "Application",
        "inbox": shared_inbox_url(base_url),
        "outbox": f"{uri}/outbox",
        "preferredUsername": domain,
        "url": f"{base_url}/about/more?instance_actor=true",
        "manuallyApprovesFollowers": True,
        "publicKey": public_key(uri, public_key_pem),
        "endpoints": {"sharedInbox": shared_inbox_url(base_url)},
    }


def public_key(owner: str, pem: str) -> dict[str, str]:
    # Misskey refuses an actor whose key owner is not the actor itself.
    return {"id": f"{owner}#main-key", "owner": owner, "publicKeyPem": pem}


def summary_html(text: str) -> str:
    """Plain-text bio as Mastodon renders one: escaped paragraphs, ``<br />`` for line breaks."""
    paragraphs = [p.strip("\n") for p in text.replace("\r\n", "\n").strip().split("\n\n")]
    return "".join(
        f"<p>{html.escape(p, quote=True).replace(chr(10), '<br />')}</p>" for p in paragraphs if p.strip()
    )


def published_date(created_at: datetime) -> str:
    """Midnight UTC of the creation day, as Mastodon publishes it: the day is public, the time is not."""
    day = created_at.astimezone(timezone.utc).date()
    return f"{day.isoformat()}T00:00:00Z"
