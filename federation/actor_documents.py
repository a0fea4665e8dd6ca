"""Our accounts as ActivityPub actors, shaped like Mastodon 4.3's ActorSerializer.

Peers key on Mastodon's field names and URL layout, so we follow them field
by field. What differs is what outsiders may learn:

* ``summary`` is the ``public_note``; the internal ``note`` never appears.
* the company and departments auto-accept followers and are discoverable;
  an employee is neither discoverable nor indexable.

It reads storage rows, so it lives here rather than in the pure
``activitypub.actors`` (docs/design.md, "Layers"). The caller decides whether
the account may be shown at all (``is_exposed``) and passes the base URL in.
"""

from __future__ import annotations

from typing import Any, Final

from activitypub.actors import public_key, published_date, summary_html
from activitypub.context import actor_context
from activitypub.uris import Uris, actor_id, profile_url, shared_inbox_url
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
                                   "url": Uris.of(base_url).system(path)}
    return document


def _image_type(path: str) -> str:
    extension = path.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "webp": "image/webp", "gif": "image/gif"}.get(extension, "image/jpeg")
