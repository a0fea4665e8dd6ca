"""Hashtag names: the key tags are stored and matched under, and the display form.

Ported from Mastodon's ``HashtagNormalizer`` and ``ASCIIFolding``, so that
``#Café``, ``#CAFE`` and ``#ｃａｆｅ`` all land on the tag ``cafe``.
"""

from __future__ import annotations

import unicodedata

from activitypub.content._patterns import invalid_hashtag_chars_re

_NON_ASCII = (
    "ÀÁÂÃÄÅàáâãäåĀāĂăĄąÇçĆćĈĉĊċČčÐðĎďĐđÈÉÊËèéêëĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħÌÍÎÏìíîïĨĩĪīĬĭĮįİıĴĵĶķĸ"
    "ĹĺĻļĽľĿŀŁłÑñŃńŅņŇňŉŊŋÒÓÔÕÖØòóôõöøŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšſŢţŤťŦŧÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųŴŵÝýÿŶŷŸŹźŻżŽž"
)
_ASCII = (
    "AAAAAAaaaaaaAaAaAaCcCcCcCcCcDdDdDdEEEEeeeeEeEeEeEeEeGgGgGgGgHhHhIIIIiiiiIiIiIiIiIiJjKkk"
    "LlLlLlLlLlNnNnNnNnnNnOOOOOOooooooOoOoOoRrRrRrSsSsSsSssTtTtTtUUUUuuuuUuUuUuUuUuUuWwYyyYyYZzZzZz"
)
_FOLD = str.maketrans(_NON_ASCII, _ASCII)


def normalize_hashtag(name: str) -> str:
    """The storage key of a tag: width-folded, lower-cased, accent-folded.

    Lower-casing (not ``casefold``) matches Mastodon, whose database compares
    with SQL ``lower()``; ``ß`` therefore stays ``ß``.
    """
    folded = unicodedata.normalize("NFKC", name).lower().translate(_FOLD)
    return invalid_hashtag_chars_re().sub("", folded)


def display_hashtag(name: str) -> str:
    """The tag as its author wrote it, minus characters a tag cannot hold."""
    return invalid_hashtag_chars_re().sub("", name)
