"""Refusals that name the form fields they are about, so a page can show each message beside its field.

``FieldErrors`` is an ``InvalidInput`` (422) like any other refusal: the
JSON API and the CLI read its ``public_message``; the pages read
``fields``, a message per field name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from activitypub.errors import InsideoutError, InvalidInput

T = TypeVar("T")


class FieldErrors(InvalidInput):
    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__(" ".join(self.fields.values()))


class FieldCheck:
    """Run checks field by field and gather every refusal, to raise them together."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def check(self, field: str, rule: Callable[[], T]) -> T | None:
        try:
            return rule()
        except InsideoutError as refused:
            self.errors.setdefault(field, refused.public_message)
            return None

    def refuse(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def raise_any(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)


__all__ = ["FieldCheck", "FieldErrors"]
