"""The nomination hashtag (``[publication] nominate_hashtag``) in rendered HTML.

Nomination works from any Mastodon client because it rides on an ordinary
hashtag. Outsiders need not see that internal convention, so the published
Note leaves it out unless ``keep_nominate_hashtag`` says otherwise.
"""

from __future__ import annotations

import re

# The hashtag link ``render_status`` writes (Mastodon's markup): ``<a ... rel="tag">#<span>name</span></a>``.
_TAG_LINK = re.compile(
    r'(?P<before>[ \t]?)<a\s[^>]*\brel="tag"[^>]*>#<span>(?P<name>[^<]+)</span></a>(?P<after>[ \t]?)'
)
_TRAILING_BREAKS = re.compile(r"(?:\s*<br\s*/?>)+\s*</p>")
_LEADING_BREAKS = re.compile(r"<p>\s*(?:<br\s*/?>\s*)+")
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>")


def strip_hashtag(html: str, name: str) -> str:
    """``html`` without the links of hashtag ``name`` (any case), and without paragraphs left empty."""
    wanted = name.casefold()

    def drop(match: re.Match[str]) -> str:
        if match.group("name").casefold() != wanted:
            return match.group(0)
        # A tag between two words leaves one space; at either end of a line it leaves nothing.
        return " " if match.group("before") and match.group("after") else ""

    stripped = _TAG_LINK.sub(drop, html)
    stripped = _TRAILING_BREAKS.sub("</p>", stripped)
    stripped = _LEADING_BREAKS.sub("<p>", stripped)
    return _EMPTY_PARAGRAPH.sub("", stripped)
