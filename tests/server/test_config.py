"""Settings: TOML plus INSIDEOUT_<SECTION>_<KEY>, validated up front with one-line errors."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import get_args

import pytest

from activitypub.errors import ConfigError
from server.config import Settings, load_settings, paths_base

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_no_config_puts_relative_paths_in_the_checkout_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a command run from some other folder, with no config file
    monkeypatch.chdir(tmp_path)
    # When the settings are loaded
    settings = load_settings(None, environ={}, create_dirs=False)
    # Then the default database and data dir are the checkout's
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.storage.database == str(REPO / "data" / "insideout.sqlite3")
    assert settings.data_dir == REPO / "data"
    assert paths_base(None) == REPO
    assert list(tmp_path.iterdir()) == []


def test_file_values_and_relative_paths_follow_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    path = write(tmp_path, '[server]\nbase_url = "https://Social.Example.com/"\n[storage]\ndata_dir = "files"\n'
                           'database = "db/insideout.sqlite3"\n')
    settings = load_settings(os.path.relpath(path, elsewhere), environ={})  # ../config.toml
    assert settings.base_url == "https://social.example.com"
    assert settings.domain == "social.example.com"
    assert settings.data_dir == tmp_path / "files"
    assert settings.storage.database == str(tmp_path / "db" / "insideout.sqlite3")
    assert (tmp_path / "files").is_dir()
    assert (tmp_path / "db").is_dir(), "a command that writes gets the database's folder"
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("with_file", [True, False])
def test_relative_environment_overrides_start_where_the_file_paths_do(tmp_path: Path, with_file: bool) -> None:
    path = write(tmp_path, "") if with_file else None
    base = tmp_path if with_file else REPO
    settings = load_settings(path, environ={"INSIDEOUT_STORAGE_DATABASE": "other/x.sqlite3",
                                            "INSIDEOUT_STORAGE_DATA_DIR": "other"}, create_dirs=False)
    assert settings.storage.database == str(base / "other" / "x.sqlite3")
    assert settings.data_dir == base / "other"


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        ("sqlite://db.sqlite3", "sqlite://{folder}/db.sqlite3"),
        ("/srv/insideout/db.sqlite3", "/srv/insideout/db.sqlite3"),
        ("sqlite:///srv/insideout/db.sqlite3", "sqlite:///srv/insideout/db.sqlite3"),
        ("postgresql://insideout@db.internal/insideout", "postgresql://insideout@db.internal/insideout"),
    ],
)
def test_database_urls_and_absolute_paths(tmp_path: Path, database: str, expected: str) -> None:
    path = write(tmp_path, f'[storage]\ndatabase = "{database}"\n')
    settings = load_settings(path, environ={}, create_dirs=False)
    assert settings.storage.database == expected.format(folder=tmp_path)


def test_sqlite_path_names_the_file_and_is_none_on_postgresql(tmp_path: Path) -> None:
    path = write(tmp_path, '[storage]\ndatabase = "sqlite://db.sqlite3"\n')
    assert load_settings(path, environ={}, create_dirs=False).storage.sqlite_path == tmp_path / "db.sqlite3"
    pg = load_settings(path, environ={"INSIDEOUT_STORAGE_DATABASE": "postgresql://h/db"}, create_dirs=False)
    assert pg.storage.sqlite_path is None


def test_loading_without_create_dirs_makes_no_folder(tmp_path: Path) -> None:
    path = write(tmp_path, '[storage]\ndata_dir = "files"\ndatabase = "db/insideout.sqlite3"\n')
    load_settings(path, environ={}, create_dirs=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_environment_overrides_file_and_splits_lists(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nport = 8000\n[federation]\nmode = "open"\n')
    settings = load_settings(
        path,
        environ={
            "INSIDEOUT_SERVER_PORT": "9001",
            "INSIDEOUT_FEDERATION_MODE": "allowlist",
            "INSIDEOUT_FEDERATION_ALLOWED_DOMAINS": "Partner.example, other.example.",
            "INSIDEOUT_FEDERATION_ALLOW_PRIVATE_ADDRESSES": "true",
        },
    )
    assert settings.server.port == 9001
    assert settings.federation.mode == "allowlist"
    assert settings.federation.allowed_domains == ("partner.example", "other.example")
    assert settings.federation.allow_private_addresses is True


def test_insideout_config_selects_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[organization]\nname = "ACME"\n')
    assert load_settings(None, environ={"INSIDEOUT_CONFIG": str(path)}).organization.name == "ACME"


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ('[server]\nbase_url = "ftp://x.example"\n', {}, "[server] base_url: must be an absolute http(s) URL"),
        ('[server]\nbase_url = "https://x.example/path"\n', {}, "[server] base_url: must be scheme://host"),
        ('[server]\nport = 70000\n', {}, "[server] port:"),
        ('[server]\nbogus = 1\n', {}, "[server] bogus: unknown setting"),
        ('[nonsense]\nx = 1\n', {}, "[nonsense]: unknown setting"),
        ('[federation]\nmode = "closed"\n', {}, "[federation] mode:"),
        ('[federation]\nblocked_domains = ["https://evil.example"]\n', {}, "[federation] blocked_domains:"),
        ('[server]\ntrusted_proxies = ["not-an-ip"]\n', {}, "[server] trusted_proxies:"),
        ('[storage]\ndatabase = "mysql://x"\n', {}, "[storage] database:"),
        ('[organization]\ncompany_username = "bad name"\n', {}, "[organization] company_username:"),
        ("", {"INSIDEOUT_SERVER_PORTT": "1"}, "INSIDEOUT_SERVER_PORTT: no such setting"),
        ("", {"INSIDEOUT_SERVER_PORT": "eighty"}, "[server] port:"),
        ("[server\n", {}, "is not valid TOML"),
    ],
)
def test_bad_settings_name_the_key_in_one_line(tmp_path: Path, text: str, environ: dict[str, str], message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ=environ)
    assert message in caught.value.public_message
    assert "\n" not in caught.value.public_message


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_data_dir_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("")
    path = write(tmp_path, '[storage]\ndata_dir = "plain-file/data"\n')
    with pytest.raises(ConfigError, match=r"\[storage\] data_dir: cannot create"):
        load_settings(path, environ={})


def test_the_example_config_documents_every_key_and_loads() -> None:
    example = tomllib.loads((REPO / "config.example.toml").read_text())
    text = (REPO / "config.example.toml").read_text()
    for section, field_info in Settings.model_fields.items():
        assert f"[{section}]" in text, section
        # An optional section ([email]) is documented commented out: without it, that feature is off.
        model = next(m for m in (field_info.annotation, *get_args(field_info.annotation)) if isinstance(m, type))
        for key in model.model_fields:  # type: ignore[attr-defined]
            assert key in example.get(section, {}) or f"# {key} =" in text, f"[{section}] {key} undocumented"
    Settings.model_validate(example)
