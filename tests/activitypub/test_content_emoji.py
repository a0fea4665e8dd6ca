"""An announcement reaction's name is exactly one emoji: a base with its modifiers, a ZWJ sequence or a flag."""

from __future__ import annotations

import pytest

from activitypub.content.emoji import is_single_emoji

ONE_EMOJI = ["👍", "🎉", "❤️", "👍🏽", "👩‍💻", "🇫🇷", "1️⃣", "🏳️‍🌈", "👨‍👩‍👧‍👦", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"]
NOT_ONE = ["", "a", "👍👍", ":blobcat:", "👍a", "🇫", "ab", "🏽", "‍👍", "12", "🇫🇷🇩🇪", "👍" * 40]


@pytest.mark.parametrize("text", ONE_EMOJI)
def test_one_emoji_is_accepted(text: str) -> None:
    assert is_single_emoji(text) is True


@pytest.mark.parametrize("text", NOT_ONE)
def test_anything_else_is_refused(text: str) -> None:
    assert is_single_emoji(text) is False
