"""Pure converters from domain records to Mastodon API entities (dicts ready for JSON)."""

from __future__ import annotations

from server.present.entities.account import AccountCounts, AccountSource, account_entity, default_avatar_url
from server.present.entities.application import application_entity

__all__ = ["AccountCounts", "AccountSource", "account_entity", "application_entity", "default_avatar_url"]
