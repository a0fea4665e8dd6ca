"""The web app's text is ready for translation: every text is in the catalogs, English complete, pages translated.

Given the templates, the views and ``server/web/staff/locale``; when the
catalogs are checked against a fresh extraction; then none is out of
date, English translates every text, and the language follows
``Accept-Language`` among the catalogs there are.

Given a German catalog; when a browser asking for German opens real pages;
then the pages speak German wherever the catalog has a text, English
elsewhere. The repository ships no German: the test builds a small
catalog and offers it through ``i18n.register``, the documented hook for
catalogs that are no file under ``locale/`` (tests, plugins). Everything
after it is the app's own path: negotiation of ``Accept-Language``, the
per-request language, the templates' ``_()``/``{% trans %}``/plurals and
the views' ``gettext``/``N_`` texts.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from server.web.staff.i18n import available, negotiate, register, translations, unregister
from tests.server.web.staff_site import staff_site

ROOT = Path(__file__).resolve().parents[3]
ENGLISH = ROOT / "server" / "web" / "staff" / "locale" / "en" / "LC_MESSAGES" / "messages.po"


def test_the_catalogs_hold_every_text_of_the_templates() -> None:
    checked = subprocess.run([sys.executable, str(ROOT / "scripts" / "translations"), "check"],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_english_is_complete_and_is_what_the_pages_say() -> None:
    with ENGLISH.open("rb") as po:
        catalog = read_po(po, locale="en")
    messages = [m for m in catalog if m.id]
    assert len(messages) > 20
    assert all(m.string and not m.fuzzy for m in messages)
    assert translations("en").gettext("More options") == "More options"


def test_the_language_is_negotiated_among_the_catalogs_there_are() -> None:
    assert "en" in available()
    assert negotiate(None) == "en"
    assert negotiate("de-DE,de;q=0.9", ["en", "de"]) == "de"
    assert negotiate("fr;q=0.2, de-AT;q=0.8", ["en", "de", "fr"]) == "de"
    assert negotiate("pt-BR", ["en"]) == "en"
    assert negotiate("xx;q=abc, de;q=0", ["en", "de"]) == "en"


GERMAN = {
    "Sign in": "Anmelden",
    "Sign in to %(name)s": "Bei %(name)s anmelden",
    "Password": "Passwort",
    "You are signed out.": "Du bist abgemeldet.",
    "Invalid email, username or password.": "E-Mail, Benutzername oder Passwort stimmt nicht.",
    "Home": "Start",
    "Search": "Suche",
    "Nothing found for “%(query)s”.": "Nichts gefunden für „%(query)s“.",
    ("%(count)s post", "%(count)s posts"): ("%(count)s Beitrag", "%(count)s Beiträge"),
}


@pytest.fixture
def german() -> Iterator[None]:
    """German offered for as long as a test runs, as a plugin would offer it."""
    catalog = Catalog(locale="de", domain="messages")
    for message, translated in GERMAN.items():
        catalog.add(message, translated)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    register("de", Translations(fp=compiled, domain="messages"))
    try:
        yield
    finally:
        unregister("de")


GERMAN_BROWSER = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


@pytest.mark.anyio
async def test_a_german_browser_reads_the_sign_in_page_in_german(tmp_path: Path, german: None) -> None:
    assert "de" in available() and available()[0] == "en"
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        page = await s.client.get("/auth/sign_in?notice=signed_out", headers=GERMAN_BROWSER)
        assert page.status_code == 200
        assert '<html lang="de">' in page.text
        assert "<title>Anmelden ·" in page.text and "<h1>Bei " in page.text and " anmelden</h1>" in page.text
        assert '<label for="password">Passwort</label>' in page.text
        assert "Du bist abgemeldet." in page.text  # a module-level notice (N_), translated when shown
        assert '<label for="login">Email or username</label>' in page.text  # not in the catalog: English

        english = await s.client.get("/auth/sign_in?notice=signed_out", headers={"Accept-Language": "fr, en;q=0.5"})
        assert '<html lang="en">' in english.text and "You are signed out." in english.text
        assert '<label for="password">Password</label>' in english.text

        s.client.headers.update(GERMAN_BROWSER)
        refused = await s.sign_in("bob", password="not the password")
        assert refused.status_code == 422
        assert "E-Mail, Benutzername oder Passwort stimmt nicht." in refused.text  # made in Python, in German


@pytest.mark.anyio
async def test_german_plurals_and_values_are_escaped_in_the_translation(tmp_path: Path, german: None) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.post(bob, "First")
        assert (await s.sign_in("bob")).status_code == 303
        s.client.headers.update(GERMAN_BROWSER)

        profile = await s.client.get("/@bob")
        assert profile.status_code == 200 and "1 Beitrag ·" in profile.text
        assert ">Start<" in profile.text  # the navigation
        await s.post(bob, "Second")
        assert "2 Beiträge ·" in (await s.client.get("/@bob")).text

        found = await s.client.get("/search", params={"q": "<b>nothing</b>"})
        assert "Nichts gefunden für „&lt;b&gt;nothing&lt;/b&gt;“." in found.text
        assert "<b>nothing</b>" not in found.text


def test_a_registered_catalog_is_offered_only_while_registered(german: None) -> None:
    assert negotiate("de") == "de"
    assert translations("de").gettext("Password") == "Passwort"
    unregister("de")
    assert "de" not in available() and negotiate("de") == "en"
