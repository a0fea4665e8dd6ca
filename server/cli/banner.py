"""What ``insideout serve`` tells the person at the terminal on the first start, once.

1. The first admin's password (never through logging, so it stays out of log files),
   and the pages where one signs in and changes it.
2. When the instance was just created on a loopback base URL: that its identity is now
   fixed, that other servers cannot reach it, and how to start over on a real domain.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from server.bootstrap import FirstAdmin
from server.config import Settings

SIGN_IN_PATH = "/auth/sign_in"
CHANGE_PASSWORD_PATH = "/settings/password"


def admin_banner(admin: FirstAdmin, base_url: str) -> str:
    return "\n".join([
        "",
        "  Insideout created the first admin account. This password is shown once:",
        f"    username: {admin.username}",
        f"    email:    {admin.email}",
        f"    password: {admin.password}",
        f"  Sign in at {base_url}{SIGN_IN_PATH}, then change it at {base_url}{CHANGE_PASSWORD_PATH}",
        "",
    ])


def is_loopback(base_url: str) -> bool:
    """Whether the URL names this machine only (127.0.0.0/8, ::1, localhost): no other server reaches it."""
    host = (urlsplit(base_url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_notice(settings: Settings, config: Path | None) -> str:
    """The first start on a loopback base URL: what is now fixed, and how to start over."""
    where = f"in {config}" if config else "in a config file (a copy of config.example.toml, given with --config)"
    return "\n".join([
        "",
        f"  This instance was created as {settings.base_url}, a loopback address.",
        f"  Its identity is now fixed: the domain {settings.domain}, every actor and object id built",
        "  from it, and the accounts' keys. Other servers cannot reach a loopback address, so this",
        "  instance cannot federate: it is for trying Insideout on this machine.",
        "  To start over on a real domain: stop the server,",
        *(f"    {step}" for step in _removal(settings)),
        f'    set [server] base_url = "https://your.domain" {where}',
        "    (or INSIDEOUT_SERVER_BASE_URL), and start again.",
        "",
    ])


def _removal(settings: Settings) -> list[str]:
    data_dir = settings.data_dir
    database = settings.storage.sqlite_path
    if database is None:
        return [f"empty the database {_without_password(settings.storage.database)} (drop and create it again),",
                f"remove the data dir {data_dir},"]
    if database.is_relative_to(data_dir):
        return [f"remove the data dir {data_dir} (it holds the database {database.name}),"]
    return [f"remove the database {database} (and its -wal and -shm files),", f"remove the data dir {data_dir},"]


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))
