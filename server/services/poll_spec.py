"""A poll as a client asks for it, and Mastodon 4.3's rules for it (``PollValidator``).

2 to 4 options of at most 50 characters each, open from 5 minutes to a month.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from activitypub.errors import InvalidInput

MAX_OPTIONS: Final = 4
MAX_OPTION_CHARS: Final = 50
MIN_EXPIRATION: Final = 300
MAX_EXPIRATION: Final = 2_629_746  # one month, as Mastodon counts it


@dataclass(frozen=True, slots=True)
class PollSpec:
    """A poll as a client asked for it, before validation."""

    options: tuple[str, ...]
    expires_in: int | None
    multiple: bool = False
    hide_totals: bool = False

    def to_params(self) -> dict[str, Any]:
        return {"options": list(self.options), "expires_in": self.expires_in, "multiple": self.multiple,
                "hide_totals": self.hide_totals}

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PollSpec:
        expires_in = params.get("expires_in")
        return cls(tuple(str(o) for o in params.get("options") or ()),
                   int(expires_in) if expires_in is not None else None,
                   bool(params.get("multiple")), bool(params.get("hide_totals")))


def validate_poll(spec: PollSpec) -> None:
    options = [option.strip() for option in spec.options]
    if len(options) < 2:
        raise InvalidInput("Validation failed: Poll options must have more than one item")
    if len(options) > MAX_OPTIONS:
        raise InvalidInput(f"Validation failed: Poll options can't contain more than {MAX_OPTIONS} items")
    if any(not option for option in options):
        raise InvalidInput("Validation failed: Poll options can't be blank")
    if any(len(option) > MAX_OPTION_CHARS for option in options):
        raise InvalidInput(f"Validation failed: Poll options cannot be longer than {MAX_OPTION_CHARS} characters each")
    if len(set(options)) != len(options):
        raise InvalidInput("Validation failed: Poll options contain duplicate items")
    if spec.expires_in is None or spec.expires_in < MIN_EXPIRATION:
        raise InvalidInput("Validation failed: Poll expires at is too soon")
    if spec.expires_in > MAX_EXPIRATION:
        raise InvalidInput("Validation failed: Poll expires at is too far into the future")
