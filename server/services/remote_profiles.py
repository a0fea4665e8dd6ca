"""How an outside actor's profile is cleaned before it is stored: a plain-text name, a sanitized note.

One value for both resolvers of an app (the services' and the inbox's), so
a profile reads the same whichever of them fetched it.
"""

from __future__ import annotations

from typing import Final

from activitypub.content import sanitize_plain, sanitize_remote_html
from federation.actors import ProfileSanitizer

PROFILE_SANITIZER: Final = ProfileSanitizer(name=sanitize_plain, note=sanitize_remote_html)

__all__ = ["PROFILE_SANITIZER"]
