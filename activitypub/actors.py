"""The pieces of our actors that need no account row: their key, bio HTML and the instance actor.

Peers key on Mastodon's field names and URL layout (4.3's ActorSerializer),
so we follow them field by field. The document of a local account is built
from its storage row, one layer up, in ``federation.actor_documents``.

Pure code: the caller passes the base URL in.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from activitypub.context import actor_context
from activitypub.uris import Uris


def instance_actor_document(*, base_url: str, domain: str, public_key_pem: str) -> dict[str, Any]:
    """``GET /actor``: the fields Mastodon's InstanceActorsController restricts itself to.

    Its inbox is the shared inbox: the one endpoint that takes deliveries
    addressed to the server itself (relay Accepts, for instance).
    """
    uri = Uris.of(base_url).instance_actor
    return {
        "@context": actor_context(),
        "id": uri,
        "type": "Application",
        "inbox": Uris.of(base_url).shared_inbox,
        "outbox": f"{uri}/outbox",
        "preferredUsername": domain,
        "url": f"{base_url}/about/more?instance_actor=true",
        "manuallyApprovesFollowers": True,
        "publicKey": public_key(uri, public_key_pem),
        "endpoints": {"sharedInbox": Uris.of(base_url).shared_inbox},
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
    day = created_at.astimezone(UTC).date()
    return f"{day.isoformat()}T00:00:00Z"
