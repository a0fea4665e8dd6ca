"""Applying a viewer's filters to statuses, as Mastodon's ``CustomFilter`` does.

A keyword matches case-insensitively anywhere in the status's content
warning, plain text and media descriptions. A *whole word* keyword is
bounded by ``\\b`` on each side that starts or ends with a word character
(Unicode-aware), so ``cat`` does not match ``concatenate`` but ``#cat``
still matches ``#cat``. Filters hold statuses too: a boost matches a filter
that holds its original.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from activitypub.content import plain_text_from_html
from server.present.entities.filter import filter_entity, filter_result_entity
from storage.curation import Filter, FilterAction
from storage.models import Status

_WORD_START = re.compile(r"^\w")
_WORD_END = re.compile(r"\w$")


def keyword_pattern(keyword: str, whole_word: bool) -> re.Pattern[str]:
    if not whole_word:
        return re.compile(re.escape(keyword), re.IGNORECASE)
    start = r"\b" if _WORD_START.search(keyword) else ""
    end = r"\b" if _WORD_END.search(keyword) else ""
    return re.compile(start + re.escape(keyword) + end, re.IGNORECASE | re.MULTILINE)


def searchable_text(status: Status, media_descriptions: Sequence[str]) -> str:
    return "\n\n".join([status.spoiler_text, plain_text_from_html(status.content), *media_descriptions])


@dataclass(frozen=True, slots=True)
class _Compiled:
    filter: Filter
    entity: dict[str, Any]
    keywords: tuple[tuple[str, re.Pattern[str]], ...]
    status_ids: frozenset[int]


class FilterSet:
    """One viewer's active filters for one context, compiled once per request."""

    def __init__(self, filters: Sequence[Filter] = ()) -> None:
        self._compiled = [
            _Compiled(
                flt, filter_entity(flt),
                tuple((k.keyword, keyword_pattern(k.keyword, k.whole_word)) for k in flt.keywords if k.keyword),
                frozenset(s.status_id for s in flt.statuses),
            )
            for flt in filters
        ]

    def __bool__(self) -> bool:
        return bool(self._compiled)

    def match(self, status: Status, media_descriptions: Sequence[str] = ()) -> list[dict[str, Any]]:
        """FilterResult entities for ``status`` (the original, for a boost)."""
        if not self._compiled:
            return []
        text = searchable_text(status, media_descriptions)
        results = []
        for compiled in self._compiled:
            keywords = [keyword for keyword, pattern in compiled.keywords if pattern.search(text)]
            statuses = [i for i in (status.id,) if i in compiled.status_ids]
            if keywords or statuses:
                results.append(filter_result_entity(compiled.entity, keywords, statuses))
        return results


def hides(results: Sequence[dict[str, Any]]) -> bool:
    return any(result["filter"]["filter_action"] == FilterAction.HIDE.value for result in results)
