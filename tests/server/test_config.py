"""Settings: TOML plus INSIDEOUT_<SECTION>_<KEY>, validated up front with one-line errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from activitypub.errors import ConfigError
from server.config import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_no_config_gives_a_working_sqlite_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={})
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.storage.database == str(tmp_path / "data" / "insideout.sqlite3")
    assert (tmp_path / "data").is_dir()


def test_file_values_and_relative_paths_follow_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nbase_url = "https://Social.Example.com/"\n[storage]\ndata_dir = "files"\n')
    settings = load_settings(path, environ={})
    assert settings.base_url == "https://social.example.com"
    assert settings.domain == "social.example.com"
    assert settings.data_dir == tmp_path / "files"


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
        model = field_info.annotation
        assert model is not None
        for key in model.model_fields:  # type: ignore[union-attr]
            assert key in example.get(section, {}) or f"# {key} =" in text, f"[{section}] {key} undocumented"
    Settings.model_validate(example)
