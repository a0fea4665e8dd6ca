"""Every URL shape of ours, built and parsed in one place (as GoToSocial's ``internal/uris``).

Ids are fixed once an instance exists: partners store them, so a shape
changes here or nowhere. ``Uris`` builds them from the ``base_url`` fixed at
first start; the ``parse_*`` functions read them back, and answer None for
anything that is not exactly one of our shapes (another host, a sub-path,
a query, a malformed username), so a caller never mistakes a look-alike for
ours.

Shapes::

    {base}/users/{username}                    actor (Person, Group, Organization)
    {base}/users/{username}#main-key           its key
    {base}/users/{username}/{part}             inbox, outbox, followers, following, featured...
    {base}/users/{username}/statuses/{ref}     a published status (ref: id, or id-epoch once re-published)
    {base}/@{username}                         profile page
    {base}/@{username}/{ref}                   status page
    {base}/actor                               the instance actor
    {base}/tags/{name}                         hashtag page
    {base}/media/{token}/{name}                internal media (capability URL)
    {base}/media/proxy/{token}/{size}          cached remote media
    {base}/media/public/{token}/{name}         media of a published status
    {base}/system/{path}                       avatars and headers
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from activitypub.parse import is_own_uri

USERNAME: Final = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
STATUS_REF: Final = r"\d+(?:-\d+)?"
_ACTOR_PATH = re.compile(rf"^/users/(?P<username>{USERNAME})(?:/(?P<part>[a-z_/]+))?$")
_STATUS_PATH = re.compile(rf"^/users/(?P<username>{USERNAME})/statuses/(?P<ref>{STATUS_REF})(?P<rest>/[a-z]+)?$")
_STATUS_PAGE = re.compile(rf"^/@(?P<username>{USERNAME})/(?P<ref>{STATUS_REF})$")
_PROFILE_PAGE = re.compile(rf"^/@(?P<username>{USERNAME})$")


@dataclass(frozen=True, slots=True)
class StatusPath:
    username: str
    ref: str
    rest: str
    """``""`` for the status itself, else its sub-path (``/replies``, ``/activity``...)."""


@dataclass(frozen=True, slots=True)
class Uris:
    base: str

    @classmethod
    def of(cls, base_url: str) -> Uris:
        return cls(base_url.rstrip("/"))

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def key(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def actor_part(self, username: str, part: str) -> str:
        """``inbox``, ``outbox``, ``followers``, ``following``, ``featured``, ``collections/tags``..."""
        return f"{self.actor(username)}/{part}"

    def status(self, username: str, ref: str) -> str:
        return f"{self.actor(username)}/statuses/{ref}"

    def profile_page(self, username: str) -> str:
        return f"{self.base}/@{username}"

    def status_page(self, username: str, ref: str) -> str:
        return f"{self.profile_page(username)}/{ref}"

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{name}"

    def media(self, token: str, name: str) -> str:
        return f"{self.base}/media/{token}/{name}"

    def media_proxy(self, token: str, size: str) -> str:
        return f"{self.base}/media/proxy/{token}/{size}"

    def media_public(self, token: str, name: str) -> str:
        return f"{self.base}/media/public/{token}/{name}"

    def system(self, path: str) -> str:
        return f"{self.base}/system/{path}"

    def password_link(self, token: str) -> str:
        """A one-time link to set a password (``/auth/reset/{token}``): shown once, to the admin who made it."""
        return f"{self.base}/auth/reset/{token}"

    def is_own(self, uri: str) -> bool:
        return is_own_uri(uri, self.base)

    # -- parsing -------------------------------------------------------------

    def _own_path(self, uri: str, *, query_allowed: bool = False) -> str | None:
        """The path of ``uri`` if it is ours (and has no query, unless allowed); None otherwise."""
        if not self.is_own(uri):
            return None
        parts = urlsplit(uri)
        return None if parts.query and not query_allowed else parts.path

    def parse_actor(self, uri: str, *, parts: frozenset[str] = frozenset({""})) -> str | None:
        """The username of ``/users/{username}`` (or of one of ``parts``, e.g. ``"inbox"``), else None.

        The only fragment an actor has is its key, ``#main-key`` on the actor itself.
        """
        bare, _, fragment = uri.partition("#")
        path = self._own_path(bare)
        match = _ACTOR_PATH.match(path) if path is not None else None
        part = (match.group("part") or "") if match else None
        if match is None or part not in parts or (fragment and (part or fragment != "main-key")):
            return None
        return match.group("username")

    def parse_status(self, uri: str) -> StatusPath | None:
        """``/users/{username}/statuses/{ref}[/rest]`` or the page ``/@{username}/{ref}``, else None.

        A query is allowed: collections of a status (``/replies?page=true``) are paged by it.
        """
        path = self._own_path(uri.split("#", 1)[0], query_allowed=True)
        if path is None:
            return None
        match = _STATUS_PATH.match(path) or _STATUS_PAGE.match(path)
        if match is None:
            return None
        rest = match.groupdict().get("rest") or ""
        return StatusPath(match.group("username"), match.group("ref"), rest)

    def parse_profile_page(self, uri: str) -> str | None:
        path = self._own_path(uri)
        match = _PROFILE_PAGE.match(path) if path is not None else None
        return match.group("username") if match else None


def actor_id(base_url: str, username: str) -> str:
    return Uris.of(base_url).actor(username)


def profile_url(base_url: str, username: str) -> str:
    return Uris.of(base_url).profile_page(username)


def shared_inbox_url(base_url: str) -> str:
    return Uris.of(base_url).shared_inbox
