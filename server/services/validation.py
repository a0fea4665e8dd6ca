"""Rules for names and addresses, shared by the CLI and the API."""

from __future__ import annotations

import re

from activitypub.errors import InvalidInput

# Mastodon's rule for local usernames: letters, digits and underscores, at most 30.
USERNAME = re.compile(r"\A[A-Za-z0-9_]{1,30}\Z")
EMAIL = re.compile(r"\A[^@\s<>\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?\Z")
MAX_DISPLAY_NAME = 30
_NOT_USERNAME = re.compile(r"[^A-Za-z0-9_]+")


def check_username(username: str) -> str:
    if not USERNAME.match(username):
        raise InvalidInput(
            f"Invalid username {username!r}: use 1 to 30 letters, digits or underscores"
        )
    return username


def check_email(email: str) -> str:
    email = email.strip()
    if not EMAIL.match(email) or ".." in email:
        raise InvalidInput(f"Invalid email address {email!r}")
    return email


def check_display_name(name: str) -> str:
    name = name.strip()
    if len(name) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"Display name is too long (maximum is {MAX_DISPLAY_NAME} characters)")
    return name


def username_from_claim(claim: str | None) -> str:
    """A username of ours from a provider's (sign-in or SCIM): the part before any ``@``, in our alphabet, at most 30."""
    local = (claim or "").split("@", 1)[0]
    cleaned = _NOT_USERNAME.sub("_", local).strip("_")[:30]
    return cleaned or "user"
