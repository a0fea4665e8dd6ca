"""Where the test fixtures live: ``tests/fixtures/``, inside the repository (see its README.md)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
"""Real ActivityPub, WebFinger and NodeInfo documents and HTTP-signature vectors, kept byte for byte."""
REMOTE_FIXTURES = FIXTURES / "remote"
SIGNATURE_FIXTURES = FIXTURES / "signatures"
