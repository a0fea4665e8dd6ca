"""Signing outgoing federation requests inside httpx.

The signature has to cover the bytes that actually go on the wire, so
the auth flow asks httpx for the encoded body (``requires_request_body``)
and signs that, never a re-serialisation of the JSON.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Generator

import anyio
import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activitypub.signatures import sign_cavage


class HttpSignatureAuth(httpx.Auth):
    """draft-cavage signatures the way Mastodon sends them (``rsa-sha256``)."""

    requires_request_body = True

    def __init__(
        self,
        key_id: str,
        private_key: rsa.RSAPrivateKey | Ed25519PrivateKey,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key_id = key_id
        self.private_key = private_key
        self.clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.signature_headers(request))
        yield request

    def signature_headers(self, request: httpx.Request) -> dict[str, str]:
        return sign_cavage(
            request.method,
            _wire_url(request.url),
            request.headers.multi_items(),
            request.content,
            self.key_id,
            self.private_key,
            now=self.clock(),
        )


class ThreadedSignatureAuth(HttpSignatureAuth):
    """Signs in a worker thread: RSA signing releases the GIL, so the event
    loop keeps other requests moving while a signature is computed."""

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        request.headers.update(await anyio.to_thread.run_sync(self.signature_headers, request))
        yield request


def _wire_url(url: httpx.URL) -> str:
    # raw_path is the path and query exactly as httpx writes the request line.
    return f"{url.scheme}://{url.netloc.decode('ascii')}{url.raw_path.decode('ascii')}"
