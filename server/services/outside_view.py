"""What outsiders get of one of our accounts: built from the very actor document partner servers fetch.

Compared before and after a profile change to know whether an ``Update``
must go out, and shown as the preview on the pages that edit a public
profile, so both say exactly what outsiders get.
"""

from __future__ import annotations

from dataclasses import dataclass

from federation.actor_documents import actor_document
from storage.models import Account, AccountKind


@dataclass(frozen=True, slots=True)
class OutsideView:
    """What a partner server (and an anonymous visitor) gets of the account: nothing else."""

    handle: str
    name: str
    summary_html: str
    """The public bio as outsiders get it: escaped paragraphs, built by the same function."""
    avatar_url: str | None
    header_url: str | None
    visible: bool


def outside_view(account: Account, base_url: str) -> OutsideView:
    document = actor_document(account, base_url=base_url)
    icon, image = document.get("icon"), document.get("image")
    return OutsideView(
        handle=f"@{account.username}", name=str(document["name"]), summary_html=str(document["summary"]),
        avatar_url=str(icon["url"]) if isinstance(icon, dict) else None,
        header_url=str(image["url"]) if isinstance(image, dict) else None,
        visible=account.kind is AccountKind.COMPANY or account.exposed,
    )
