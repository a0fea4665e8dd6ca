"""Settings: one TOML file, every key overridable by ``INSIDEOUT_<SECTION>_<KEY>``.

Loading validates everything up front, so that a bad setting stops start-up
with one line that names the key, never a traceback deep in a request.

A relative path in the settings (``[storage] database`` and ``data_dir``,
from the file or from an environment override alike) starts at the config
file's folder, or, without a config file, at the Insideout checkout: never at
the current directory, so a command run from elsewhere finds the same files.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from activitypub.errors import ConfigError

ENV_PREFIX = "INSIDEOUT_"
CONFIG_ENV = "INSIDEOUT_CONFIG"
USERNAME_PATTERN = r"^[A-Za-z0-9_]{1,30}$"
POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite://"
# Where relative paths start when no config file is given: the checkout this code runs from.
CHECKOUT = Path(__file__).resolve().parents[1]


def _ip_networks(value: tuple[str, ...]) -> tuple[str, ...]:
    for entry in value:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"not an IP address or network: {entry!r}") from None
    return value


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSettings(Section):
    base_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    workers_enabled: bool = True

    @field_validator("base_url")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
        if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
            raise ValueError(f"must be scheme://host[:port] with no path, got {value!r}")
        return f"{parts.scheme}://{parts.netloc.lower()}"

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _ip_networks(value)


class StorageSettings(Section):
    database: str = "data/insideout.sqlite3"
    data_dir: str = "data"
    # Off for fleets that migrate once per rollout (`insideout db migrate`); processes then refuse
    # to start against an older schema instead of changing it under servers still running old code.
    auto_migrate: bool = True

    @field_validator("database")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if "://" in value and not value.startswith((SQLITE_SCHEME, *POSTGRESQL_SCHEMES)):
            raise ValueError(f"must be a SQLite path or a postgresql:// URL, got {value!r}")
        return value

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None on PostgreSQL."""
        if self.database.startswith(POSTGRESQL_SCHEMES):
            return None
        return Path(self.database.removeprefix(SQLITE_SCHEME))


class OrganizationSettings(Section):
    name: str = Field(default="Insideout", min_length=1, max_length=100)
    company_username: str = Field(default="company", pattern=USERNAME_PATTERN)
    admin_email: str = "admin@localhost"
    admin_username: str = Field(default="admin", pattern=USERNAME_PATTERN)
    # Departments staff may join and leave themselves (usernames, or "*" for all); none by default.
    open_departments: tuple[str, ...] = ()


class FederationSettings(Section):
    mode: Literal["open", "allowlist"] = "open"
    allowed_domains: tuple[str, ...] = ()
    blocked_domains: tuple[str, ...] = ()
    allow_private_addresses: bool = False
    authorized_fetch: bool = False
    # How long a delivery worker holds the rows it claimed; a crashed worker's rows wait this long.
    # Under two minutes a slow request can outlive its lease and be sent twice (at least once anyway).
    delivery_lease_seconds: float = Field(default=300.0, ge=2.0, le=3600.0)

    @field_validator("allowed_domains", "blocked_domains")
    @classmethod
    def _domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(d.strip().lower().rstrip(".") for d in value if d.strip())
        for domain in cleaned:
            if "/" in domain or ":" in domain or " " in domain:
                raise ValueError(f"must be bare domain names, got {domain!r}")
        return cleaned


class PublicationSettings(Section):
    nominate_hashtag: str = Field(default="outside", pattern=r"^#?[\w]{1,60}$")
    keep_nominate_hashtag: bool = False

    @field_validator("nominate_hashtag")
    @classmethod
    def _without_hash(cls, value: str) -> str:
        return value.removeprefix("#")


class LoggingSettings(Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["json", "text"] = "text"


class MediaSettings(Section):
    max_image_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=33_177_600, ge=10_000)
    # The web app's compose box refuses an image without a description (Mastodon apps have their own reminders).
    require_alt_text: bool = False
    # Where media files live: "local" (under data_dir) or "s3" (a private bucket of any S3-compatible
    # server, so many machines share media without a shared filesystem; docs/media-storage.md).
    storage: Literal["local", "s3"] = "local"
    # Empty: AWS's own endpoint for the region. MinIO, Ceph RGW, Garage, R2: their URL.
    s3_endpoint: str = ""
    s3_region: str = "us-east-1"
    s3_bucket: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = Field(default="", repr=False)
    # Every key is put under this prefix, so one bucket can hold several instances' media.
    s3_prefix: str = Field(default="", pattern=r"^([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$")
    # https://endpoint/bucket/key instead of https://bucket.endpoint/key: MinIO and most self-hosted servers.
    s3_path_style: bool = False
    # Media copied at cache/remote from partners are removed after this many days without a fetch
    # and fetched again on demand (0: kept); Mastodon's `tootctl media remove` default is 7.
    remote_cache_days: int = Field(default=7, ge=0, le=3650)

    @model_validator(mode="after")
    def _s3_complete(self) -> MediaSettings:
        if self.storage == "s3" and not self.s3_bucket:
            raise ValueError("media.storage = \"s3\" needs media.s3_bucket")
        if self.s3_endpoint and not self.s3_endpoint.startswith(("http://", "https://")):
            raise ValueError("media.s3_endpoint must be an http:// or https:// URL")
        return self


class LimitsSettings(Section):
    # Mastodon's API limit: requests per window per token (per client address without one); 0 turns the
    # limit off, for load tests and trusted integrations. Every /api/ answer carries X-RateLimit-* headers.
    api_per_token: int = Field(default=300, ge=0, le=10_000_000)
    api_window_seconds: int = Field(default=300, ge=1, le=86_400)


class PushSettings(Section):
    include_content: bool = False


class MetricsSettings(Section):
    enabled: bool = True
    allowed_networks: tuple[str, ...] = ("127.0.0.1/32", "::1/128")

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _ip_networks(value)


class SsoSettings(Section):
    """Sign-in through the organisation's OpenID Connect provider; off while ``issuer`` is empty."""

    issuer: str = ""
    client_id: str = ""
    client_secret: str = Field(default="", repr=False)
    display_name: str = Field(default="single sign-on", min_length=1, max_length=60)
    username_claim: str = "preferred_username"
    groups_claim: str = ""
    admin_groups: tuple[str, ...] = ()
    publisher_groups: tuple[str, ...] = ()
    # False: staff sign in only through the IdP; break-glass accounts (created --local-login) keep a password.
    password_login: bool = True
    # Just-in-time accounts for people the IdP knows and SCIM has not provisioned.
    create_accounts: bool = True
    scopes: tuple[str, ...] = ("openid", "profile", "email")

    @field_validator("issuer")
    @classmethod
    def _issuer_url(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"must be the issuer's absolute http(s) URL, got {value!r}")
        # Kept as written: the ID token's iss must equal the issuer exactly, trailing slash and all.
        return value

    @model_validator(mode="after")
    def _complete(self) -> SsoSettings:
        if self.issuer and not (self.client_id and self.client_secret):
            raise ValueError("an issuer needs client_id and client_secret")
        if "openid" not in self.scopes:
            raise ValueError("scopes must include openid")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)


class EmailSettings(Section):
    """Mail to staff through the organisation's SMTP server; without an ``[email]`` section nothing is mailed."""

    smtp_host: str = Field(min_length=1)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    # starttls: plain connection upgraded with STARTTLS (port 587); tls: TLS from the start (465); none: plain.
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str = ""
    smtp_password: str = Field(default="", repr=False)
    from_address: str = Field(pattern=r"^[^@\s<>]+@[^@\s<>]+$")
    # "Away": a mention or direct message is mailed only if no app of the person's was used for this long.
    away_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)
    # The weekly digest goes out from this UTC weekday (0 = Monday) and hour on.
    digest_weekday: int = Field(default=0, ge=0, le=6)
    digest_hour: int = Field(default=8, ge=0, le=23)
    timeout_seconds: float = Field(default=30.0, ge=1.0, le=300.0)


class LifecycleSettings(Section):
    # What happens to a departed person's published posts: they stay outside, or are retracted (Delete/Undo).
    on_departure: Literal["keep", "retract"] = "keep"


class AnalyticsSettings(Section):
    # Whether posts' reach (which staff were shown which local post, per day) is recorded at all.
    record_reach: bool = True
    # Any count of people (a reach, a day's viewers, a department's cell) is shown only from this size up;
    # smaller ones, zero included, say "fewer than".
    min_group_size: int = Field(default=5, ge=2, le=1000)
    # The in-process buffer of view events: flushed every ``flush_seconds``, or at ``flush_events`` events.
    flush_seconds: float = Field(default=5.0, ge=0.1, le=300.0)
    flush_events: int = Field(default=5000, ge=1, le=1_000_000)


class Settings(Section):
    server: ServerSettings = ServerSettings()
    storage: StorageSettings = StorageSettings()
    organization: OrganizationSettings = OrganizationSettings()
    federation: FederationSettings = FederationSettings()
    publication: PublicationSettings = PublicationSettings()
    logging: LoggingSettings = LoggingSettings()
    media: MediaSettings = MediaSettings()
    push: PushSettings = PushSettings()
    limits: LimitsSettings = LimitsSettings()
    metrics: MetricsSettings = MetricsSettings()
    sso: SsoSettings = SsoSettings()
    lifecycle: LifecycleSettings = LifecycleSettings()
    # None: no [email] section, so no mail at all.
    email: EmailSettings | None = None
    analytics: AnalyticsSettings = AnalyticsSettings()

    @model_validator(mode="after")
    def _company_and_admin_differ(self) -> Settings:
        if self.organization.company_username.lower() == self.organization.admin_username.lower():
            raise ValueError("organization.company_username and admin_username must differ")
        return self

    @property
    def base_url(self) -> str:
        """The public origin every id and signature is built from."""
        if self.server.base_url:
            return self.server.base_url
        host = self.server.host if ":" not in self.server.host else f"[{self.server.host}]"
        return f"http://{host}:{self.server.port}"

    @property
    def domain(self) -> str:
        """The host (with a non-default port) that names this instance in handles."""
        return urlsplit(self.base_url).netloc

    @property
    def data_dir(self) -> Path:
        return Path(self.storage.data_dir)


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None, *, create_dirs: bool = True
) -> Settings:
    """Read the TOML file (if any), apply environment overrides, validate, resolve paths.

    ``create_dirs`` makes the data dir (and a SQLite database's folder) and checks that it is
    writable; commands that only read pass False, so that they leave no folder behind.
    """
    environ = os.environ if environ is None else environ
    config = config_file(path, environ)
    raw: dict[str, Any] = _read_toml(config) if config else {}
    _apply_environment(raw, environ)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    settings = _resolve_paths(settings, paths_base(config))
    if create_dirs:
        _check_data_dir(settings.data_dir)
        _make_database_folder(settings.storage)
    return settings


def config_file(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The config file chosen by ``--config`` or ``INSIDEOUT_CONFIG``, if any."""
    environ = os.environ if environ is None else environ
    chosen = path if path is not None else environ.get(CONFIG_ENV)
    return Path(chosen) if chosen else None


def paths_base(config: Path | None) -> Path | None:
    """Where relative paths start: the config file's folder, else the checkout (None when not run from one)."""
    if config is not None:
        return config.resolve().parent
    return CHECKOUT if (CHECKOUT / "pyproject.toml").is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _apply_environment(raw: dict[str, Any], environ: Mapping[str, str]) -> None:
    sections = Settings.model_fields
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV:
            continue
        section, key = _split_env_name(name[len(ENV_PREFIX):].lower(), sections)
        if section is None:
            raise ConfigError(f"{name}: no such setting")
        raw.setdefault(section, {})
        if not isinstance(raw[section], dict):
            raise ConfigError(f"[{section}] must be a table")
        raw[section][key] = _env_value(section, key, value)


def _split_env_name(rest: str, sections: Mapping[str, Any]) -> tuple[str | None, str]:
    for section, field_info in sections.items():
        if rest.startswith(section + "_"):
            key = rest[len(section) + 1:]
            model = _section_model(field_info.annotation)
            if model is not None and key in model.model_fields:
                return section, key
    return None, rest


def _section_model(annotation: Any) -> type[BaseModel] | None:
    """The section's model, also for an optional section (``EmailSettings | None``)."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _env_value(section: str, key: str, value: str) -> Any:
    model = _section_model(Settings.model_fields[section].annotation)
    if model is None:
        raise ConfigError(f"[{section}] is not a settings section")
    annotation = str(model.model_fields[key].annotation)
    if annotation.startswith("tuple"):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    location = [str(part) for part in error["loc"]]
    if error["type"] == "extra_forbidden":
        message = "unknown setting"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    if not location:
        return f"config: {message}"
    if len(location) == 1:
        return f"[{location[0]}]: {message}"
    return f"[{location[0]}] {'.'.join(location[1:])}: {message}"


def _resolve_paths(settings: Settings, base: Path | None) -> Settings:
    storage = settings.storage
    database = storage.database
    if not database.startswith(POSTGRESQL_SCHEMES):
        scheme = SQLITE_SCHEME if database.startswith(SQLITE_SCHEME) else ""
        database = scheme + _absolute(database.removeprefix(scheme), base, "database")
    data_dir = _absolute(storage.data_dir, base, "data_dir")
    return settings.model_copy(update={"storage": storage.model_copy(update={"database": database, "data_dir": data_dir})})


def _absolute(value: str, base: Path | None, key: str) -> str:
    path = Path(value).expanduser()
    if path.is_absolute():
        return str(path)
    if base is None:
        raise ConfigError(
            f"[storage] {key}: {value!r} is relative and there is no config file to start from;"
            " give an absolute path, or a config file with --config PATH"
        )
    return str(base / path)


def _make_database_folder(storage: StorageSettings) -> None:
    folder = storage.sqlite_path.parent if storage.sqlite_path else None
    if folder is None or folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"[storage] database: cannot create {folder}: {exc.strerror}") from None


def _check_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"[storage] data_dir: cannot create {data_dir}: {exc.strerror}") from None
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise ConfigError(f"[storage] data_dir: {data_dir} is not writable")
