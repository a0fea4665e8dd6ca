"""A profile: names, bios, fields, flags, preferences, avatar and header; the one place they change.

``note`` is the internal bio staff see; ``public_note`` is the only bio an
outsider ever sees (docs/design.md, "Exposed actors"). Both are plain text.
Uploaded images are decoded and re-encoded (metadata stripped) before a
byte is stored.

Every change names its ``Editor`` (the human behind the request) and passes
one rule (``identities.require_settings_right``): an employee changes their
own profile; the company's and a department's change only for an admin,
whether through the admin API or a token acting as them, and each such
change is written to the admin action log (``profile.update``: who, as
whom, and each changed field's before and after) in the transaction that
makes it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Final

from activitypub.errors import InsideoutError, InvalidInput, PayloadTooLarge
from server.media import process_image
from server.services.admin_log import audit
from server.services.boundary_actions import Outbound
from server.services.field_errors import FieldErrors
from server.services.hiding import refuse_hiding_if_published
from server.services.identities import Editor, is_organisational, require_settings_right
from server.services.outside_view import outside_view
from server.services.profile_media import ProfileMedia
from storage.models import Account, ProfileChanges
from storage.profiles import MAX_FIELDS, AccountProfile, Preferences, ProfileField, SettingsChanges
from storage.protocols import Storage

MAX_DISPLAY_NAME: Final = 30
MAX_NOTE: Final = 500
MAX_FIELD_TEXT: Final = 255
IMAGE_LIMIT: Final = 2 * 1024 * 1024  # Mastodon's avatar and header limit
AVATAR_PIXELS: Final = 400 * 400
HEADER_PIXELS: Final = 1500 * 500


@dataclass(frozen=True, slots=True)
class ProfileUpdate:
    """What ``update_credentials`` asked for; None leaves a value unchanged."""

    display_name: str | None = None
    note: str | None = None
    public_note: str | None = None
    locked: bool | None = None
    settings: SettingsChanges = SettingsChanges()
    avatar: bytes | None = None
    header: bytes | None = None
    exposed: bool | None = None
    """Only the admin API sets this (for a department); ``update_credentials`` never does."""


@dataclass(frozen=True, slots=True)
class OwnProfile:
    account: Account
    profile: AccountProfile
    preferences: Preferences


class ProfileService:
    """The one writer of profiles. A change outsiders see (``outside_view``) sends an ``Update`` of the actor
    to its outside followers, whichever door it came through: the API, the web app or the admin pages."""

    def __init__(self, storage: Storage, media: ProfileMedia, outbound: Outbound, base_url: str) -> None:
        self._outbound = outbound
        self._base_url = base_url
        self._storage = storage
        self.media = media

    async def own(self, account: Account) -> OwnProfile:
        return OwnProfile(
            account, await self._storage.profiles.get(account.id), await self._storage.profiles.preferences(account.id)
        )

    async def update(self, account: Account, update: ProfileUpdate, editor: Editor) -> OwnProfile:
        """Apply ``update`` if ``editor`` may (403 otherwise); an organisation's change is audited."""
        require_settings_right(account, editor)
        changes = _checked(update, organisational=is_organisational(account))
        if update.exposed is False and account.exposed:
            await refuse_hiding_if_published(self._storage, account)
        before = await self.own(account)
        avatar = header = None
        try:
            avatar = await self._store_image("avatar", update.avatar, AVATAR_PIXELS)
            header = await self._store_image("header", update.header, HEADER_PIXELS)
            async with self._storage.transaction():
                updated = await self._storage.accounts.update_profile(account.id, ProfileChanges(
                    display_name=changes.display_name, note=changes.note, public_note=changes.public_note,
                    locked=changes.locked, avatar_path=avatar, header_path=header, exposed=update.exposed,
                ))
                profile, preferences = await self._storage.profiles.update(account.id, update.settings)
                await self._audit(editor, before, OwnProfile(updated, profile, preferences))
                # The replaced files leave the store through the removals, queued with the change itself.
                if avatar is not None:
                    await self.media.retire(account.avatar_path)
                if header is not None:
                    await self.media.retire(account.header_path)
        except BaseException:
            # Nothing half-done: files of a refused or failed update are not kept.
            await self.media.discard(avatar)
            await self.media.discard(header)
            raise
        await self._tell_outsiders(account, updated)
        return OwnProfile(updated, profile, preferences)

    async def clear_image(self, account: Account, kind: str, editor: Editor) -> OwnProfile:
        """``DELETE /api/v1/profile/avatar`` and ``/header``: back to the default image (same rule as ``update``)."""
        require_settings_right(account, editor)
        before = await self.own(account)
        old = account.avatar_path if kind == "avatar" else account.header_path
        changes = ProfileChanges(avatar_path="") if kind == "avatar" else ProfileChanges(header_path="")
        async with self._storage.transaction():
            updated = await self._storage.accounts.update_profile(account.id, changes)
            after = await self.own(updated)
            await self._audit(editor, before, after)
            await self.media.retire(old)
        await self._tell_outsiders(account, after.account)
        return after

    async def set_public_note(self, account: Account, public_note: str, editor_label: str) -> OwnProfile:
        """A publisher's or admin's edit of an employee's public bio (``StaffProfiles`` checks the right first),
        audited as ``profile.update`` with the before and after, in the transaction that makes it."""
        checked = _checked(ProfileUpdate(public_note=public_note), organisational=is_organisational(account))
        before = await self.own(account)
        async with self._storage.transaction():
            updated = await self._storage.accounts.update_profile(
                account.id, ProfileChanges(public_note=checked.public_note))
            after = OwnProfile(updated, before.profile, before.preferences)
            changed = profile_changes(before, after)
            if changed:
                await audit(self._storage, editor_label, "profile.update", account.kind.value, account.id, **changed)
        await self._tell_outsiders(account, updated)
        return after

    async def _tell_outsiders(self, before: Account, after: Account) -> None:
        """An ``Update`` of the actor when what outsiders get of it changed (Outbound sends nothing for the hidden)."""
        if outside_view(before, self._base_url) != outside_view(after, self._base_url):
            await self._outbound.actor_updated(after)

    async def _audit(self, editor: Editor, before: OwnProfile, after: OwnProfile) -> None:
        """An organisation's changed fields, before and after, in the admin action log; nothing changed, no line."""
        account = after.account
        changed = profile_changes(before, after)
        if is_organisational(account) and changed:
            await audit(self._storage, editor.label, "profile.update", account.kind.value, account.id, **changed)

    async def _store_image(self, kind: str, data: bytes | None, pixels: int) -> str | None:
        if data is None:
            return None
        if len(data) > IMAGE_LIMIT:
            raise PayloadTooLarge(f"Validation failed: {kind.capitalize()} file size must be less than 2 MB")
        try:
            image = await asyncio.to_thread(process_image, data, max_bytes=IMAGE_LIMIT, original_pixels=pixels,
                                            keep_animation=False)  # one file serves avatar and avatar_static
        except InvalidInput as exc:
            raise InvalidInput(f"Validation failed: {kind.capitalize()}: {exc.public_message}") from exc
        return await self.media.save(kind, image.original, image.original_mime)


def _checked(update: ProfileUpdate, *, organisational: bool) -> ProfileUpdate:
    display_name = update.display_name.strip() if update.display_name is not None else None
    if display_name is not None and len(display_name) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"Validation failed: Display name is too long (maximum is {MAX_DISPLAY_NAME} characters)")
    if display_name == "" and organisational:
        raise InvalidInput("Validation failed: The company and each department need a display name")
    for label, text in (("Bio", update.note), ("Public bio", update.public_note)):
        if text is not None and len(text) > MAX_NOTE:
            raise InvalidInput(f"Validation failed: {label} is too long (maximum is {MAX_NOTE} characters)")
    fields = update.settings.fields
    if fields is not None:
        _check_fields(fields)
    return ProfileUpdate(
        display_name=display_name, note=update.note.strip() if update.note is not None else None,
        public_note=update.public_note.strip() if update.public_note is not None else None,
        locked=update.locked, settings=update.settings,
    )


def _check_fields(fields: tuple[ProfileField, ...]) -> None:
    if len(fields) > MAX_FIELDS:
        raise InvalidInput(f"Validation failed: at most {MAX_FIELDS} profile fields are allowed")
    for field in fields:
        if len(field.name) > MAX_FIELD_TEXT or len(field.value) > MAX_FIELD_TEXT:
            raise InvalidInput(
                f"Validation failed: profile field names and values are at most {MAX_FIELD_TEXT} characters"
            )


def profile_changes(before: OwnProfile, after: OwnProfile) -> dict[str, str]:
    """``<field>.before`` and ``<field>.after`` for each field that differs, as the audit log's text."""
    old, new = _audited(before), _audited(after)
    changed: dict[str, str] = {}
    for name, value in new.items():
        if old[name] != value:
            changed[f"{name}.before"], changed[f"{name}.after"] = old[name], value
    return changed


def _audited(own: OwnProfile) -> dict[str, str]:
    account, profile, preferences = own.account, own.profile, own.preferences
    values: dict[str, object] = {
        "display_name": account.display_name, "note": account.note, "public_note": account.public_note,
        "avatar": account.avatar_path, "header": account.header_path, "locked": account.locked,
        "exposed": account.exposed, "bot": profile.bot, "discoverable": profile.discoverable,
        "hide_collections": profile.hide_collections, "fields": [[f.name, f.value] for f in profile.fields],
        "privacy": preferences.visibility.value, "sensitive": preferences.sensitive,
        "language": preferences.language, "expand_media": preferences.expand_media.value,
        "expand_spoilers": preferences.expand_spoilers,
    }
    return {name: _text(value) for name, value in values.items()}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def image_refusal(refused: InsideoutError, update: ProfileUpdate) -> InsideoutError:
    """A refused avatar or header, named by its form field so a page shows it beside the file input."""
    message = refused.public_message
    for field, word in (("avatar", "Avatar"), ("header", "Header")):
        if getattr(update, field) is not None and word in message:
            return FieldErrors({field: message.replace("Validation failed: ", "")})
    return refused
