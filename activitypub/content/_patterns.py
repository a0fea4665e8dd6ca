"""The regular expressions behind the extractors, ported from Mastodon 4.3.

Sources: twitter-text's ``valid_url`` with Mastodon's overrides from
``config/initializers/twitter_regex.rb``, ``Account::MENTION_RE`` and
``Tag::HASHTAG_RE``. They are compiled lazily because the word classes need
the Unicode mark table (see ``_unicode``).

Deliberate differences from Mastodon:
- only ``http`` and ``https`` URLs are linked (no ``dat:``, ``gemini:``,
  ``xmpp:``, ``magnet:`` ...);
- twitter-text accepts only top-level domains from its built-in list; we
  accept any all-letter label of two or more characters, or punycode, so a
  new TLD links without a data update (IP addresses and ``localhost`` still
  do not link, as in Mastodon).
"""

from __future__ import annotations

import re
from functools import cache

from activitypub.content._unicode import alpha, marks, word

# twitter-text's DOMAIN_VALID_CHARS: anything but ASCII punctuation, spaces
# and controls. Its punctuation list omits the backslash, so a backslash is a
# "valid" domain character there; the renderer then refuses such hosts, as
# Addressable does in Mastodon.
_DOMAIN_CHAR = r"[^!-/:-@\[\]-`{-~\s\x00-\x1f\x7f\u180e\ufeff\ufffe\uffff]"
_SUBDOMAIN = rf"(?:(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)"
_DOMAIN_NAME = rf"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)"
_TLD = r"(?:(?:[a-z]{2,63}|[^\x00-\x7f\W\d_]{2,63})(?=[^0-9a-z@+-]|$)|xn--[0-9a-z-]+)"
_DOMAIN = rf"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}{_TLD})"

# A URL may not follow a letter, digit, at sign, dollar or hash, except
# across a bidi control character.
_PRECEDING = (
    r"(?:[^a-z0-9@\uff20$#\uff03\ufeff\ufffe\uffff]"
    r"|[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|^)"
)

_PATH_CHAR = r"[^\s<>()?]"
_BALANCED_PARENS = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
_PATH_END = r"(?:[^\s()?!*\"'\u300c\u300d<>;:=,.$%\[\]~&|@]|" + _BALANCED_PARENS + ")"
_PATH = (
    rf"(?:(?:{_PATH_CHAR}*(?:{_BALANCED_PARENS}{_PATH_CHAR}*)*{_PATH_END})"
    rf"|(?:{_PATH_CHAR}+/))"
)

_UCHARS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
    "\U00010000-\U0001fffd\U00020000-\U0002fffd\U00030000-\U0003fffd"
    "\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd"
    "\U000a0000-\U000afffd\U000b0000-\U000bfffd\U000c0000-\U000cfffd"
    "\U000d0000-\U000dfffd\U000e1000-\U000efffd\ue000-\uf8ff"
    "\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
_QUERY_CHAR = r"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^" + _UCHARS + "]"
_QUERY_END = r"[a-z0-9_&=#/\-" + _UCHARS + "]"

# Groups: 1 preceding char, 2 URL, 3 protocol, 4 domain, 5 port, 6 path, 7 query.
# The protocol stays optional, as in twitter-text, so that protocol-less
# matches consume their text exactly as Mastodon's scan does; they are
# discarded afterwards.
_URL = (
    rf"({_PRECEDING})"
    rf"((https?://)?({_DOMAIN})(?::([0-9]+))?(/{_PATH}*)?(\?{_QUERY_CHAR}*{_QUERY_END})?)"
)

# Characters after which "@name" is not a mention: Mastodon rejects a mention
# followed by another at sign, a Latin accent or "://".
_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257"
    "\u0259\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
END_MENTION_RE = re.compile(rf"(?:[@\uff20]|[{_LATIN_ACCENTS}]|://)")

_HASHTAG_SEPARATORS = "_\u00b7\u30fb\u200c"

URL_PREFIX_RE = re.compile(r"https?://(?:www\.)?|xmpp:")


@cache
def url_re() -> re.Pattern[str]:
    return re.compile(_URL, re.IGNORECASE | re.MULTILINE)


@cache
def mention_re() -> re.Pattern[str]:
    w = word()
    username = r"[A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*"
    domain = rf"[{w}]+(?:[.-]+[{w}]+)*"
    return re.compile(rf"(?<![=/{w}])@(({username})(?:@{domain})?)")


@cache
def hashtag_re() -> re.Pattern[str]:
    w, a, sep = f"[{word()}]", alpha(), _HASHTAG_SEPARATORS
    w_sep = f"[{word()}{sep}]"
    a_sep = f"(?:{a}|[{sep}])"
    first = f"{w}{w_sep}*{a_sep}{w_sep}*{w}"
    last = f"{w}*{a}{w}*"
    # Not after "=", "/", ")" or an alphanumeric (underscore is allowed).
    return re.compile(rf"(?<![=/)])(?<![^\W_])#({first}|{last})")


@cache
def invalid_hashtag_chars_re() -> re.Pattern[str]:
    return re.compile(rf"[^\w{marks()}{_HASHTAG_SEPARATORS}]")
