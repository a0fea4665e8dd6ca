"""The web app's words in the reader's language: gettext catalogs under ``locale/``, read with Babel.

The templates mark every text (``{% trans %}``, ``_()``); ``scripts/translations``
extracts them into ``locale/messages.pot`` and merges them into each
language's ``messages.po``. Only ``.po`` files are kept: a catalog is
compiled in memory when first used. English is the source language and
its catalog is complete (a test holds it to the templates). The language
is the best of ``Accept-Language`` among the catalogs there are.

Texts made in Python go through ``gettext``/``ngettext`` when a page is
made, never at import (the language is the request's). A module-level
text is marked with ``N_``, which only marks it for extraction, and is
translated where it is used: ``gettext(NOTICES[name])``.

``register`` adds a catalog that is no file under ``locale/`` (a test's,
or a plugin's): it is offered to ``Accept-Language`` like the others until
``unregister``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextvars import ContextVar
from functools import cache
from importlib.resources import files
from typing import Final

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DEFAULT_LANGUAGE: Final = "en"
DOMAIN: Final = "messages"
current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)
_registered: dict[str, Translations] = {}


def N_(message: str) -> str:  # the gettext convention's name, a keyword of scripts/translations
    """Mark ``message`` for extraction only; translate it with ``gettext`` where it is shown."""
    return message


def register(language: str, catalog: Translations) -> None:
    """Offer ``catalog`` for ``language`` beside (or over) the one under ``locale/``: the hook for tests and plugins."""
    _registered[language] = catalog
    available.cache_clear()


def unregister(language: str) -> None:
    """Take back what ``register`` added; a catalog under ``locale/`` is offered again."""
    _registered.pop(language, None)
    available.cache_clear()


@cache
def available() -> tuple[str, ...]:
    """The languages with a catalog (under ``locale/`` or registered), English first."""
    root = files("server.web.staff").joinpath("locale")
    found = {entry.name for entry in root.iterdir() if entry.is_dir()
             and entry.joinpath("LC_MESSAGES", f"{DOMAIN}.po").is_file()} | _registered.keys()
    return tuple(sorted(sorted(found), key=lambda code: code != DEFAULT_LANGUAGE))


def translations(language: str) -> Translations:
    """The catalog of ``language``: a registered one, else the one under ``locale/``."""
    registered = _registered.get(language)
    return registered if registered is not None else _from_file(language)


@cache
def _from_file(language: str) -> Translations:
    source = files("server.web.staff").joinpath("locale", language, "LC_MESSAGES", f"{DOMAIN}.po")
    with source.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def negotiate(accept_language: str | None, languages: Sequence[str] | None = None) -> str:
    """The catalog that best fits ``Accept-Language`` (q-values honoured), else English."""
    offered = list(languages if languages is not None else available())
    wanted = []
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            wanted.append((quality, tag.replace("_", "-")))
    ordered = [tag for _, tag in sorted(wanted, key=lambda pair: -pair[0])]
    found = negotiate_locale(ordered, offered, sep="-") or negotiate_locale(
        [t.split("-")[0] for t in ordered], offered, sep="-")
    return found or DEFAULT_LANGUAGE


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, count)


def language_name(code: str) -> str:
    try:
        return str(Locale.parse(code).get_display_name(code) or code)
    except (ValueError, UnknownLocaleError):
        return code


def script_texts() -> dict[str, str | list[str]]:
    """The words ``app.js`` shows, in the request's language, for the page to hand to the script.

    Counted texts come as [one, other] with ``%(num)s`` left for the script to fill: a language
    with more plural forms than two gets its "other" form for every count above one. (Each call
    names its texts literally, so that ``scripts/translations`` finds them.)
    """
    return {
        "newPosts": [ngettext("Show %(num)s new post", "Show %(num)s new posts", n) for n in (1, 2)],
        "newNotifications": [ngettext("Show %(num)s new notification", "Show %(num)s new notifications", n)
                             for n in (1, 2)],
        "unread": [ngettext("Notifications, %(num)s new", "Notifications, %(num)s new", n) for n in (1, 2)],
        "suggestions": gettext("Suggestions"),
        "suggestionsFound": [ngettext("%(num)s suggestion, use the arrow keys",
                                      "%(num)s suggestions, use the arrow keys", n) for n in (1, 2)],
        "image": gettext("Image"),
        "close": gettext("Close"),
        "noDescription": gettext("No description"),
    }
