"""The company's and the departments' profiles as the admin pages edit them, and what outsiders see of them.

Every change goes through ``ProfileService``, the one writer of profiles:
only an admin may change an organisation's profile, each change is written
to the admin action log (``profile.update``) in its transaction, and the
``Update`` of what outsiders see goes out from there. This adds the refusals
named by their form fields, and the preview (``outside_view``).
"""

from __future__ import annotations

from activitypub.errors import InvalidInput, NotFound, PayloadTooLarge
from server.services.field_errors import FieldCheck
from server.services.identities import Editor
from server.services.outside_view import OutsideView, outside_view
from server.services.profiles import (
    MAX_DISPLAY_NAME,
    MAX_NOTE,
    OwnProfile,
    ProfileService,
    ProfileUpdate,
    image_refusal,
)
from storage.models import Account, AccountKind
from storage.protocols import Storage

ORGANISATIONAL = (AccountKind.COMPANY, AccountKind.DEPARTMENT)


class OrganisationProfiles:
    def __init__(self, storage: Storage, profiles: ProfileService, base_url: str) -> None:
        self._storage = storage
        self._profiles = profiles
        self._base = base_url.rstrip("/")

    async def company(self) -> Account:
        companies = await self._storage.accounts.list_local(AccountKind.COMPANY)
        if not companies:
            raise NotFound("There is no company account")
        return companies[0]

    async def organisational(self, account_id: int) -> Account:
        account = await self._storage.accounts.get(account_id)
        if account is None or not account.is_local or account.kind not in ORGANISATIONAL:
            raise NotFound()
        return account

    async def update(self, account: Account, update: ProfileUpdate, editor: Editor) -> OwnProfile:
        """Admins only (ProfileService's rule), audited; an ``Update`` goes out if outsiders see a change (its too)."""
        _check(update)
        try:
            return await self._profiles.update(account, update, editor)
        except (InvalidInput, PayloadTooLarge) as refused:
            raise image_refusal(refused, update) from refused

    async def clear_image(self, account: Account, kind: str, editor: Editor) -> OwnProfile:
        return await self._profiles.clear_image(account, kind, editor)

    def outside_view(self, account: Account) -> OutsideView:
        return outside_view(account, self._base)


def _check(update: ProfileUpdate) -> None:
    """The fields' rules, each refusal named by its field (ProfileService checks them again)."""
    check = FieldCheck()
    if update.display_name is not None:
        name = update.display_name.strip()
        if not name:
            check.refuse("display_name", "A display name is required.")
        elif len(name) > MAX_DISPLAY_NAME:
            check.refuse("display_name", f"The display name is too long (at most {MAX_DISPLAY_NAME} characters).")
    for field, label, text in (("note", "The bio", update.note), ("public_note", "The public bio", update.public_note)):
        if text is not None and len(text.strip()) > MAX_NOTE:
            check.refuse(field, f"{label} is too long (at most {MAX_NOTE} characters).")
    check.raise_any()


__all__ = ["OrganisationProfiles", "OutsideView"]
