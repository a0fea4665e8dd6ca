"""The kinds of mail a person can switch on or off, and what each is on by default.

The defaults follow Mastodon's notification mails: a mention (and a direct
message) is mailed by default, as is news about one's own work (a decision
on a proposed post, like Mastodon's follow mail). Important posts are the
organisation's reason to mail at all, so they are on. The weekly digest is
off: Mastodon's digest is on but only reaches people who stayed away for
weeks; ours goes to everyone who wants it every week, so it is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from storage.mail import MailKind


@dataclass(frozen=True, slots=True)
class KindInfo:
    kind: MailKind
    default: bool
    label: str
    hint: str


KINDS: Final[Mapping[MailKind, KindInfo]] = {
    MailKind.MENTION: KindInfo(MailKind.MENTION, True, "Mentions and direct messages",
                               "when someone mentions you or writes to you while you are away from every app"),
    MailKind.PROPOSAL_DECISION: KindInfo(MailKind.PROPOSAL_DECISION, True, "Decisions on your proposed posts",
                                         "when a post you proposed for publication is approved or declined"),
    MailKind.IMPORTANT: KindInfo(MailKind.IMPORTANT, True, "Important posts",
                                 "when the company or one of your departments marks a post important"),
    MailKind.DIGEST: KindInfo(MailKind.DIGEST, False, "Weekly digest",
                              "the most talked-about posts of the week in your departments and from people you follow"),
}


def default_for(kind: MailKind) -> bool:
    return KINDS[kind].default


def effective(stored: Mapping[MailKind, bool]) -> dict[MailKind, bool]:
    """Every kind's setting: the stored choice, else the default."""
    return {kind: stored.get(kind, info.default) for kind, info in KINDS.items()}
