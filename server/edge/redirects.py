"""The pages' answer to a form: a 303 to where the person goes next, with a notice in the query."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from starlette.responses import RedirectResponse


def see_other(path: str, headers: Mapping[str, str], notice: str | None = None,
              query: Mapping[str, str] | None = None) -> RedirectResponse:
    """A 303 to ``path`` (which may end in a ``#fragment``), with ``query`` and the notice added."""
    path, hash_mark, fragment = path.partition("#")
    pairs = {**(query or {}), **({"notice": notice} if notice else {})}
    suffix = "&".join(f"{k}={quote(v)}" for k, v in pairs.items() if v)
    joiner = "&" if "?" in path else "?"
    target = f"{path}{joiner}{suffix}" if suffix else path
    return RedirectResponse(target + hash_mark + fragment, status_code=303, headers=dict(headers))
