"""The sign-in check every form shares (server/signin/logins.py), with the app's throttle.

Used by the OAuth sign-in form, the password grant and the admin sign-in
alike (``throttled_sign_in``). The throttle is the app's
(``AppState.sign_in_throttle``), read on every attempt, never a module global.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.signin.logins import Outcome, SignInResult
from server.signin.throttle import Verdict

if TYPE_CHECKING:
    from server.state import AppState

__all__ = ["Outcome", "SignInResult", "throttled_sign_in"]


async def throttled_sign_in(state: AppState, ip: str, login: str, password: str) -> Verdict | SignInResult:
    """The refusing ``Verdict`` when either bucket is empty (nothing is checked), else the check's result."""
    return await state.services.sign_ins.attempt(state.sign_in_throttle, ip, login, password)
