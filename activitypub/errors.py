"""The one exception tree of Insideout.

It lives in the lowest layer, which imports nothing of ours, so that every
layer (storage, federation, the services and the edges) raises and catches
the same classes without depending on any other layer.

Every error the code raises on purpose is an ``InsideoutError``. Each
carries a ``public_message`` that is safe to show a client or a remote
server, apart from ``detail`` that is only ever logged, and the HTTP
status the server answers with::

    InsideoutError (500)
    ├── ConfigError                 bad or unknown settings; the CLI exits 2
    ├── InvalidInput (422)          a request or command the rules refuse
    │   └── BadRequest (400)        malformed syntax: unparsable body, bad id
    │       └── MalformedActivity   a remote ActivityStreams document we cannot use
    ├── Unauthorized (401)          no or bad credentials, bad signature
    │   └── SignInRefused           the identity provider's answer proves nothing
    ├── Forbidden (403)             authenticated, but not allowed
    ├── NotFound (404)              absent, or hidden from this viewer
    ├── Gone (410)                  existed once, retracted or deleted
    ├── Conflict (409)              unique key taken, stale revision
    ├── PayloadTooLarge (413)       upload or body over the limit
    ├── RateLimited (429)           too many requests
    ├── StorageError (500)          the database failed or disagrees
    │   └── MediaStoreUnavailable (503)  the media store (disk, bucket) cannot be reached
    └── RemoteError (502)           another server misbehaved
        ├── RetryLater              try the same thing again later
        ├── PermanentFailure        never retry
        └── BlockedDestination      SSRF guard or federation policy said no
            └── OwnOrigin           a URI of our own server treated as remote
"""

from __future__ import annotations


class InsideoutError(Exception):
    """Root of every deliberate error; ``public_message`` is client-safe."""

    status_code = 500
    default_message = "Internal server error"

    def __init__(self, public_message: str | None = None, *, detail: str | None = None) -> None:
        self.public_message = public_message or self.default_message
        self.detail = detail
        super().__init__(self.public_message if detail is None else f"{self.public_message} ({detail})")


class ConfigError(InsideoutError):
    default_message = "Invalid configuration"


class InvalidInput(InsideoutError):
    status_code = 422
    default_message = "Validation failed"


class BadRequest(InvalidInput):
    status_code = 400
    default_message = "Bad request"


class Unauthorized(InsideoutError):
    status_code = 401
    default_message = "The access token is invalid"


class SignInRefused(Unauthorized):
    """A sign-in through the identity provider did not prove who the person is (a bad ID token, a replayed state)."""

    default_message = "The sign-in was refused"


class Forbidden(InsideoutError):
    status_code = 403
    default_message = "This action is not allowed"


class NotFound(InsideoutError):
    status_code = 404
    default_message = "Record not found"


class Gone(InsideoutError):
    status_code = 410
    default_message = "Gone"


class Conflict(InsideoutError):
    status_code = 409
    default_message = "Conflict"


class PayloadTooLarge(InsideoutError):
    status_code = 413
    default_message = "Payload too large"


class RateLimited(InsideoutError):
    status_code = 429
    default_message = "Too many requests"


class StorageError(InsideoutError):
    default_message = "Storage failure"


class MediaStoreUnavailable(StorageError):
    """The media store refused or did not answer; nothing was half-saved, the client may try again."""

    status_code = 503
    default_message = "Media storage is unavailable; try again later"


class RemoteError(InsideoutError):
    status_code = 502
    default_message = "Remote server error"


class RetryLater(RemoteError):
    """A transient failure: timeouts, 5xx, 429, 401 from a double-knocking peer."""

    def __init__(
        self, public_message: str | None = None, *, detail: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(public_message, detail=detail)
        self.retry_after = retry_after


class PermanentFailure(RemoteError):
    """A failure that repeating cannot fix: most 4xx, malformed documents."""


class BlockedDestination(PermanentFailure):
    """The SSRF guard or the federation policy refused the destination."""

    status_code = 403
    default_message = "Destination not allowed"


class OwnOrigin(BlockedDestination):
    """A URI on our own origin reached a path for remote things: never fetched, never stored as remote.

    Our own objects are answered from our own data; one arriving from
    outside as an actor, key, object or inbox is a forgery or a mistake.
    """

    default_message = "This server's own URIs are never treated as remote"


class MalformedActivity(BadRequest):
    """A remote ActivityStreams document we cannot make sense of.

    ``detail`` names the offending field so the inbox log says *why* a peer's
    delivery was refused; ``public_message`` stays generic because the reason
    is echoed back to the sender.
    """

    default_message = "Malformed ActivityPub document"

    def __init__(self, reason: str) -> None:
        super().__init__(detail=reason)
        self.reason = reason
