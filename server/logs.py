"""Structured logs: one JSON object (or one key=value line) per event, with the request id.

Credentials never reach a log line: every message, field and traceback is
passed through ``redact`` when it is formatted, whoever logged it. uvicorn,
for one, logs a WebSocket handshake with its query string, and Mastodon
clients put ``access_token`` there.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

REDACTED = "[redacted]"
# A query or form parameter that carries a secret, in any log text (URLs, bodies, messages).
_SECRET_PARAMS = re.compile(
    r"(?i)\b(access_token|refresh_token|client_secret|code|password|token|code_verifier|id_token)=([^&\s\"'<>]+)"
)
# "Authorization: Bearer x", "Bearer x", and the token a WebSocket client offers as its subprotocol.
_SECRET_HEADERS = re.compile(r"(?i)\b(authorization|proxy-authorization|cookie|sec-websocket-protocol)(\W{1,4})([^\n'\"]+)")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_SECRET_FIELDS = frozenset({"authorization", "cookie", "access_token", "client_secret", "password", "code",
                            "sec-websocket-protocol", "token"})


def redact(text: str) -> str:
    """``text`` with every credential it carries replaced by ``[redacted]``."""
    text = _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _SECRET_HEADERS.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def _redacted_field(key: str, value: Any) -> Any:
    if key.lower() in _SECRET_FIELDS:
        return REDACTED
    return redact(value) if isinstance(value, str) else value


# Attributes every LogRecord has; anything else was passed through ``extra=`` and is logged as a field.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName", "color_message"}


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "message": redact(record.getMessage()),
    }
    request_id = getattr(record, "request_id", None) or request_id_var.get()
    if request_id:
        fields["request_id"] = request_id
    fields.update(
        {k: _redacted_field(k, v) for k, v in record.__dict__.items()
         if k not in _STANDARD and k != "request_id" and not k.startswith("_")}
    )
    if record.exc_info:
        fields["exception"] = redact(logging.Formatter().formatException(record.exc_info))
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        head = f"{fields.pop('time')} {fields.pop('level'):7} {fields.pop('logger')}: {fields.pop('message')}"
        exception = fields.pop("exception", None)
        tail = " ".join(f"{key}={value!r}" if isinstance(value, str) and " " in value else f"{key}={value}"
                        for key, value in fields.items())
        line = f"{head} {tail}".rstrip()
        return f"{line}\n{exception}" if exception else line


class RequestIdFilter(logging.Filter):
    """Stamp the request id on each record when it is made, not when some handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def configure_logging(level: str = "info", fmt: str = "text", stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our middleware writes the access log with the request id; uvicorn's would repeat it.
    logging.getLogger("uvicorn.access").disabled = True
