"""Mastodon 4.3's Filter, FilterKeyword, FilterStatus and FilterResult entities, and the v1 Filter view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.edge.dates import format_optional_datetime
from storage.curation import Filter, FilterAction, FilterKeyword, FilterStatus


def filter_keyword_entity(keyword: FilterKeyword) -> dict[str, Any]:
    return {"id": str(keyword.id), "keyword": keyword.keyword, "whole_word": keyword.whole_word}


def filter_status_entity(entry: FilterStatus) -> dict[str, Any]:
    return {"id": str(entry.id), "status_id": str(entry.status_id)}


def filter_entity(flt: Filter) -> dict[str, Any]:
    return {
        "id": str(flt.id),
        "title": flt.title,
        "context": list(flt.context),
        "expires_at": format_optional_datetime(flt.expires_at),
        "filter_action": flt.filter_action.value,
        "keywords": [filter_keyword_entity(k) for k in flt.keywords],
        "statuses": [filter_status_entity(s) for s in flt.statuses],
    }


def filter_result_entity(
    flt: dict[str, Any], keyword_matches: Sequence[str], status_matches: Sequence[int]
) -> dict[str, Any]:
    return {
        "filter": flt,
        "keyword_matches": list(keyword_matches) or None,
        "status_matches": [str(i) for i in status_matches] or None,
    }


def v1_filter_entities(flt: Filter) -> list[dict[str, Any]]:
    """``/api/v1/filters`` shows each keyword of a v2 filter as one v1 filter, id = the keyword's id."""
    return [
        {
            "id": str(keyword.id),
            "phrase": keyword.keyword,
            "context": list(flt.context),
            "whole_word": keyword.whole_word,
            "expires_at": format_optional_datetime(flt.expires_at),
            "irreversible": flt.filter_action is FilterAction.HIDE,
        }
        for keyword in flt.keywords
    ]
