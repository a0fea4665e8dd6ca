"""The jinja2 environment of the staff web app: autoescaped, strict, templates shipped with the package.

Built on first use, so importing this module reads nothing. Texts go
through gettext (``{% trans %}``, ``_()``; see server/web/staff/i18n.py). Post bodies
are the sanitised HTML of the Mastodon entity and are the only values
marked safe (the ``html`` filter); everything else is escaped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from server.web.staff.i18n import gettext, ngettext


def when(value: str | None) -> str:
    """An entity's ISO date as people read it: ``2026-12-07 16:40``, in UTC."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def sanitised(value: str | None) -> Markup:
    """Content the converter has already sanitised (our own rendering or the remote-HTML sanitiser)."""
    return Markup(value or "")


_DICT_ATTRIBUTES: Final = frozenset(dir(dict))


class _Environment(Environment):
    """``entity.field`` of a dict without the failed attribute lookup (an exception) jinja2 tries first.

    The pages read the API's entities, plain dicts, a thousand fields a page. The result is jinja2's
    own: a dict's real attribute (``items``, ``get``) still wins over a key of the same name.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute in obj and attribute not in _DICT_ATTRIBUTES:
            return obj[attribute]
        return Environment.getattr(self, obj, attribute)


@cache
def environment() -> Environment:
    env = _Environment(
        loader=PackageLoader("server.web.staff", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the package: no stat() of every template file on every page.
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    # The catalog of the request's language (server/web/staff/i18n.py), chosen per render through a context var.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = when
    env.filters["html"] = sanitised
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
