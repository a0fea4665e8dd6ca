"""An employee's profile as the web app edits it, and the public bio a publisher or admin may write for them.

Every change goes through ``ProfileService``, the one writer of profiles
(its rule: an employee changes their own profile). Each refusal names its
form field (``FieldErrors``), so the page shows it beside the field. When a
change touches what outsiders see (the name, the public bio, the avatar or
the header, exactly as the actor document they fetch shows them:
``server.services.outside_view``), ``ProfileService`` sends an ``Update`` of
the actor to its outside followers through the one ``Outbound``, which sends
nothing for an employee not exposed. The internal bio and fields never leave.

The public bio is what the organisation says about a person outside, so
the people who decide what goes outside, admins and publishers
(``Reviewer.decides_everything``, the rule of ``review_roles``), may write
it for any employee; each such edit is in the admin action log
(``profile.update``, before and after), as an organisation's profile
change is.
"""

from __future__ import annotations

from typing import Final

from activitypub.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge
from server.services.field_errors import FieldCheck
from server.services.identities import Editor
from server.services.profiles import (
    MAX_DISPLAY_NAME,
    MAX_FIELD_TEXT,
    MAX_NOTE,
    OwnProfile,
    ProfileService,
    ProfileUpdate,
    image_refusal,
)
from server.services.review_roles import Reviewer
from storage.models import Account, AccountKind
from storage.profiles import MAX_FIELDS
from storage.protocols import Storage

PUBLIC_BIO_MESSAGE: Final = "Only publishers and admins can write someone else's public bio."
NO_SUCH_EMPLOYEE: Final = "There is nobody here by that name."


class StaffProfiles:
    def __init__(self, storage: Storage, profiles: ProfileService) -> None:
        self._storage = storage
        self._profiles = profiles

    async def update(self, account: Account, update: ProfileUpdate, editor: Editor) -> OwnProfile:
        """The owner's change (ProfileService's rule); an ``Update`` goes out if outsiders see a change."""
        check_fields(update)
        try:
            return await self._profiles.update(account, update, editor)
        except (InvalidInput, PayloadTooLarge) as refused:
            raise image_refusal(refused, update) from refused

    async def employee(self, username: str) -> Account:
        """A local employee by username, for a public bio written by someone else; anything else is not found."""
        account = await self._storage.accounts.get_local(username)
        if account is None or account.kind is not AccountKind.EMPLOYEE or account.deleted_at is not None:
            raise NotFound(NO_SUCH_EMPLOYEE)
        return account

    @staticmethod
    def may_write_public_bio(reviewer: Reviewer, account: Account) -> bool:
        return reviewer.decides_everything or (reviewer.account is not None and reviewer.account.id == account.id)

    async def set_public_note(self, reviewer: Reviewer, account: Account, public_note: str) -> Account:
        """A publisher's or admin's edit (or the owner's own), audited; an ``Update`` goes out if it changed."""
        if not self.may_write_public_bio(reviewer, account):
            raise Forbidden(PUBLIC_BIO_MESSAGE, detail=f"{reviewer.label} on {account.id}")
        check_fields(ProfileUpdate(public_note=public_note))
        own = await self._profiles.set_public_note(account, public_note, reviewer.label)
        return own.account


def check_fields(update: ProfileUpdate) -> None:
    """Each field's rule, each refusal named by its field (ProfileService checks them again)."""
    check = FieldCheck()
    if update.display_name is not None and len(update.display_name.strip()) > MAX_DISPLAY_NAME:
        check.refuse("display_name", f"The display name is too long (at most {MAX_DISPLAY_NAME} characters).")
    for field, label, text in (("note", "The bio", update.note), ("public_note", "The public bio", update.public_note)):
        if text is not None and len(text.strip()) > MAX_NOTE:
            check.refuse(field, f"{label} is too long (at most {MAX_NOTE} characters).")
    fields = update.settings.fields or ()
    if len(fields) > MAX_FIELDS:
        check.refuse("fields", f"At most {MAX_FIELDS} profile fields are allowed.")
    for number, pair in enumerate(fields):
        if len(pair.name) > MAX_FIELD_TEXT or len(pair.value) > MAX_FIELD_TEXT:
            check.refuse(f"field-{number}", f"A label or value is too long (at most {MAX_FIELD_TEXT} characters).")
    check.raise_any()


__all__ = ["StaffProfiles", "check_fields"]
