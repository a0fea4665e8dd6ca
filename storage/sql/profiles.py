"""Profile settings, preferences and read markers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from storage.clock import from_db, to_db, utcnow
from storage.models import Visibility
from storage.profiles import (
    AccountProfile,
    ExpandMedia,
    Marker,
    MarkerTimeline,
    Preferences,
    ProfileField,
    SettingsChanges,
)
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

SETTINGS_COLUMNS = (
    "account_id, bot, discoverable, hide_collections, fields, default_visibility, default_sensitive,"
    " default_language, expand_media, expand_spoilers"
)
_SIMPLE = {
    "bot": "bot", "discoverable": "discoverable", "hide_collections": "hide_collections",
    "visibility": "default_visibility", "sensitive": "default_sensitive", "expand_media": "expand_media",
    "expand_spoilers": "expand_spoilers",
}  # fmt: skip


def _profile(row: Row) -> AccountProfile:
    fields = tuple(ProfileField(str(f["name"]), str(f["value"])) for f in json.loads(row["fields"]))
    return AccountProfile(
        bot=bool(row["bot"]), discoverable=bool(row["discoverable"]),
        hide_collections=bool(row["hide_collections"]), fields=fields,
    )


def _preferences(row: Row) -> Preferences:
    return Preferences(
        visibility=Visibility(row["default_visibility"]), sensitive=bool(row["default_sensitive"]),
        language=row["default_language"], expand_media=ExpandMedia(row["expand_media"]),
        expand_spoilers=bool(row["expand_spoilers"]),
    )


def _assignments(changes: SettingsChanges) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, column in _SIMPLE.items():
        value = getattr(changes, name)
        if value is not None:
            values[column] = int(value) if isinstance(value, bool) else str(value)
    if changes.fields is not None:
        values["fields"] = json.dumps([{"name": f.name, "value": f.value} for f in changes.fields])
    if changes.language is not None:
        values["default_language"] = changes.language or None
    return values


class SqlProfileStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def _row(self, account_id: int) -> Row | None:
        row: Row | None = await self._db.fetch_one(
            f"SELECT {SETTINGS_COLUMNS} FROM account_settings WHERE account_id = ?", (account_id,)
        )
        return row

    async def get(self, account_id: int) -> AccountProfile:
        row = await self._row(account_id)
        return _profile(row) if row else AccountProfile()

    async def get_many(self, account_ids: Sequence[int]) -> Mapping[int, AccountProfile]:
        ids = list(dict.fromkeys(account_ids))
        found = {account_id: AccountProfile() for account_id in ids}
        if ids:
            rows = await self._db.fetch_all(
                f"SELECT {SETTINGS_COLUMNS} FROM account_settings WHERE account_id IN ({','.join('?' * len(ids))})",
                ids,
            )
            found.update({row["account_id"]: _profile(row) for row in rows})
        return found

    async def preferences(self, account_id: int) -> Preferences:
        row = await self._row(account_id)
        return _preferences(row) if row else Preferences()

    async def update(self, account_id: int, changes: SettingsChanges) -> tuple[AccountProfile, Preferences]:
        values = _assignments(changes)
        now = to_db(utcnow())
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO account_settings (account_id, updated_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (account_id, now),
            )
            if values:
                assignments = ", ".join(f"{column} = ?" for column in values)
                await self._db.execute(
                    f"UPDATE account_settings SET {assignments}, updated_at = ? WHERE account_id = ?",
                    (*values.values(), now, account_id),
                )
            row = await self._row(account_id)
        row = read_back(row, "the profile settings")
        return _profile(row), _preferences(row)


class SqlMarkerStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, account_id: int, timelines: Sequence[MarkerTimeline]) -> Mapping[MarkerTimeline, Marker]:
        wanted = [timeline.value for timeline in dict.fromkeys(timelines)]
        if not wanted:
            return {}
        rows = await self._db.fetch_all(
            "SELECT timeline, last_read_id, version, updated_at FROM markers"
            f" WHERE account_id = ? AND timeline IN ({','.join('?' * len(wanted))})",
            (account_id, *wanted),
        )
        markers = [_marker(row) for row in rows]
        return {marker.timeline: marker for marker in markers}

    async def set(self, account_id: int, timeline: MarkerTimeline, last_read_id: int) -> Marker:
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)"
                " VALUES (?, ?, ?, 0, ?) ON CONFLICT (account_id, timeline) DO UPDATE SET"
                " last_read_id = excluded.last_read_id, version = markers.version + 1,"
                " updated_at = excluded.updated_at",
                (account_id, timeline.value, last_read_id, to_db(utcnow())),
            )
            found = await self.get(account_id, [timeline])
        return found[timeline]


def _marker(row: Row) -> Marker:
    return Marker(
        timeline=MarkerTimeline(row["timeline"]), last_read_id=int(row["last_read_id"]), version=int(row["version"]),
        updated_at=from_db(row["updated_at"]),
    )
