"""``insideout media check``: write, read back, delete and miss a probe object, and say what failed.

The probe's key is ``probe/<random token>/check.txt``, a key of its own prefix that no
media key ever shares, so a check on a live store touches nothing else. Steps run in order
and stop at the first failure; a probe that was written is deleted whatever failed after.

A failure is told as the operator would fix it (``explain``): the endpoint refused or could not
be reached, the bucket is missing, access is denied, the region is wrong, or what came back
differs from what was written. The store's own message may quote a request, never the secret
key (``scrub`` takes it out in any case).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from server.media.store import MediaStore, digest

PAYLOAD: Final = b"Insideout media store check: this object is deleted straight away.\n"


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    ok: bool
    message: str


def probe_key() -> str:
    return f"probe/{secrets.token_urlsafe(18)}/check.txt"


async def check_store(store: MediaStore, report: Callable[[Step], None], *, key: str | None = None) -> bool:
    """Run the four steps, reporting each; True when all passed."""
    key = key or probe_key()
    try:
        await store.put(key, PAYLOAD, "text/plain")
    except Exception as exc:
        report(Step("write", False, f"could not write {key}: {explain(exc)}"))
        return False
    report(Step("write", True, f"wrote {key} ({len(PAYLOAD)} bytes)"))
    passed = await _read_back(store, key, report)
    try:
        await store.delete([key])
    except Exception as exc:
        report(Step("delete", False, f"could not delete {key}: {explain(exc)}"))
        return False
    report(Step("delete", True, f"deleted {key}"))
    if not passed:
        return False
    try:
        left = await store.size(key)
    except Exception as exc:
        report(Step("gone", False, f"could not look for {key} after deleting it: {explain(exc)}"))
        return False
    if left is not None:
        report(Step("gone", False, f"{key} is still there ({left} bytes) after it was deleted"))
        return False
    report(Step("gone", True, f"{key} is gone"))
    return True


async def _read_back(store: MediaStore, key: str, report: Callable[[Step], None]) -> bool:
    try:
        found = await store.read(key)
    except Exception as exc:
        report(Step("read", False, f"could not read {key} back: {explain(exc)}"))
        return False
    if found is None:
        report(Step("read", False, f"{key} is missing right after it was written"))
        return False
    if found != PAYLOAD:
        report(Step("read", False, f"mismatch: wrote {len(PAYLOAD)} bytes (sha256 {digest(PAYLOAD)[:16]}…),"
                                   f" read {len(found)} bytes (sha256 {digest(found)[:16]}…)"))
        return False
    report(Step("read", True, f"read {key} back: the same {len(found)} bytes"))
    return True


_S3_CODE: Final = re.compile(r"<Code>([A-Za-z]+)</Code>")
_STATUS: Final = re.compile(r"status(?: code)?: (\d{3})")
_DENIED: Final = ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken")
_REGION: Final = ("AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException")


def explain(exc: BaseException) -> str:
    """What went wrong, for an operator: the store's full error is the exception's cause."""
    cause = exc.__cause__ or exc
    if isinstance(cause, OSError) and not _is_obstore(cause):
        return _explain_os_error(cause)
    text = str(cause)
    code_match = _S3_CODE.search(text)
    code = code_match.group(1) if code_match else ""
    status_match = _STATUS.search(text)
    status = status_match.group(1) if status_match else ""
    if code == "NoSuchBucket":
        return "the bucket does not exist (NoSuchBucket): create it, or fix [media] s3_bucket"
    if code in _DENIED or status == "403":
        return (f"access denied ({code or 'HTTP 403'}): check [media] s3_access_key_id and s3_secret_access_key,"
                " and that the key may put, get, list and delete objects in the bucket")
    if code in _REGION or status == "301":
        return f"wrong region or endpoint ({code or 'HTTP 301'}): check [media] s3_region and s3_endpoint"
    if "ConnectionRefused" in text or "Connection refused" in text:
        return "the endpoint refused the connection: is the S3 server running, on that host and port?"
    if "dns error" in text or "failed to lookup address" in text:
        return "the endpoint's host name does not resolve: check [media] s3_endpoint"
    if "certificate" in text.lower() or "tls" in text.lower():
        return "the TLS handshake with the endpoint failed (certificate?): check [media] s3_endpoint"
    if "timed out" in text.lower() or "timeout" in text.lower():
        return "the endpoint did not answer in time: is it reachable from this machine?"
    if "error sending request" in text:
        return "the endpoint could not be reached: check [media] s3_endpoint and the network"
    if status:
        return f"the server answered HTTP {status}" + (f" ({code})" if code else "")
    return _first_line(text) or type(cause).__name__


def _is_obstore(exc: BaseException) -> bool:
    # obstore raises FileNotFoundError (a missing bucket, among others) and its own errors.
    return "Debug source" in str(exc) or "S3" in str(exc)


def _explain_os_error(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    if isinstance(exc, PermissionError):
        return f"permission denied{where}: the data directory must be writable by this user"
    if isinstance(exc, FileNotFoundError):
        return f"no such file or directory{where}"
    return f"{exc.strerror or exc}{where}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def scrub(text: str, *secrets_: str) -> str:
    """``text`` without any of ``secrets_`` in it."""
    for secret in secrets_:
        if secret:
            text = text.replace(secret, "[secret]")
    return text
