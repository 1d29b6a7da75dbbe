from pathlib import Path

import pytest

from geo.errors import SettingsError
from geo.settings import OPTIONS, PROJECT_DIR, Settings, describe, markdown_table


def test_defaults_without_environment() -> None:
    s = Settings.from_env({})
    assert s.database_url is None
    assert s.port == 8050 and s.host == "127.0.0.1"
    assert s.patrol_buffer_m == 100.0 and s.window_days == 30
    assert s.tile_url == ""
    assert s.refresh_sessions == 2


def test_values_from_environment_and_overrides() -> None:
    s = Settings.from_env(
        {
            "DATABASE_URL": "postgres://u:p@db:5432/x",
            "GRIDSIGHT_PORT": "9000",
            "GRIDSIGHT_DATA_DIR": "/tmp/gs",
            "GRIDSIGHT_TILE_URL": "http://tiles.local/{z}/{x}/{y}.png",
        },
        port=9100,
    )
    assert s.database_url == "postgresql+psycopg://u:p@db:5432/x"
    assert s.port == 9100
    assert s.data_dir == Path("/tmp/gs")


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("GRIDSIGHT_PORT", "abc", "an integer from 1 to 65535"),
        ("GRIDSIGHT_PORT", "70000", "an integer from 1 to 65535"),
        ("GRIDSIGHT_PATROL_BUFFER_M", "-5", "greater than 0"),
        ("GRIDSIGHT_PATROL_BUFFER_M", "nan", "greater than 0"),
        ("DATABASE_URL", "mysql://x", "PostgreSQL URL"),
        ("GRIDSIGHT_TILE_URL", "http://tiles/a.png", "{z}, {x} and {y}"),
        ("GRIDSIGHT_LANGUAGE", "fr", "'zh' or 'en'"),
        ("GRIDSIGHT_DEBUG", "maybe", "true/false"),
        ("GRIDSIGHT_REFRESH_SESSIONS", "0", "an integer from 1 to 16"),
        ("GRIDSIGHT_REFRESH_SESSIONS", "32", "an integer from 1 to 16"),
    ],
)
def test_bad_value_names_variable_value_and_what_is_allowed(
    var: str, value: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({var: value})
    message = str(info.value)
    assert var in message and repr(value) in message and expected in message


def test_settings_are_frozen() -> None:
    s = Settings.from_env({})
    with pytest.raises(AttributeError):
        s.port = 1  # type: ignore[misc]


def test_every_setting_is_documented() -> None:
    names = [var for var, _default, doc in describe() if doc]
    assert "DATABASE_URL" in names and "GRIDSIGHT_PATROL_BUFFER_M" in names
    assert len(names) == len(OPTIONS) == len({o.var for o in OPTIONS})


def test_the_readme_table_is_the_declaration() -> None:
    """The README's table of settings is made from ``geo.settings.OPTIONS``: when a setting is
    added, removed or redescribed there, paste ``markdown_table()`` into the README."""
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme
    section = readme.split("\n## Settings\n")[1].split("\n## ")[0]
    listed = {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}
    assert listed == {o.var for o in OPTIONS}


def test_defaults_come_from_the_declaration() -> None:
    defaults = Settings()
    for option in OPTIONS:
        assert getattr(defaults, option.name) == option.default_value(), option.name
        assert Settings.from_env({}) == defaults


def test_every_declared_variable_is_read() -> None:
    for option in OPTIONS:
        if option.default is None or option.name in ("host", "tile_attribution"):
            continue
        changed = Settings.from_env({option.var: option.default})
        assert getattr(changed, option.name) == option.default_value(), option.var
    assert Settings.from_env({"GRIDSIGHT_PG_BIN": "/opt/pg/bin"}).pg_bin == Path("/opt/pg/bin")
    assert Settings.from_env({"GRIDSIGHT_TIMEZONE": "Europe/Berlin"}).timezone == "Europe/Berlin"


def test_help_names_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    import app

    with pytest.raises(SystemExit):
        app.main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "setting GRIDSIGHT_PORT, default 8050" in shown
    assert all(o.var in shown for o in OPTIONS)


def test_every_interface_string_exists_in_both_languages() -> None:
    from dashboard.i18n import STRINGS

    for key, texts in STRINGS.items():
        assert set(texts) == {"zh", "en"} and all(texts.values()), key
