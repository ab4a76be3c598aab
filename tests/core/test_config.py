"""Settings: pyproject, then environment, then overrides; strict about keys and values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from stepflow import ConfigError, current_settings, load_settings


def _project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[tool.stepflow]\n{table}\n")
    return tmp_path


def test_defaults_resolve_paths_against_the_project(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={})
    assert settings.steps_dir == tmp_path / "steps"
    assert settings.database == str(tmp_path / ".stepflow" / "stepflow.db")
    assert (settings.emit_batch_size, settings.emit_batch_delay, settings.bus) == (
        25,
        0.0,
        "memory",
    )


@pytest.mark.parametrize(
    ("database", "traces"),
    [
        ("/srv/app/stepflow.db", "/srv/app/stepflow.traces.db"),
        ("/srv/app/data", "/srv/app/data.traces.db"),
        (":memory:", ":memory:"),
        ("postgresql://db.internal/app", "postgresql://db.internal/app"),
    ],
)
def test_traces_have_a_sqlite_file_of_their_own_and_share_postgresql(
    tmp_path: Path, database: str, traces: str
) -> None:
    settings = load_settings(tmp_path, env={}, overrides={"database": database})
    assert settings.trace_database == traces


def test_pyproject_then_environment_then_overrides(tmp_path: Path) -> None:
    root = _project(tmp_path, 'queue_size = 10\ndefault_concurrency = 4\nsteps_dir = "flows"')
    env = {"STEPFLOW_QUEUE_SIZE": "20", "STEPFLOW_EMIT_BATCH_DELAY": "0.5", "HOME": "/x"}
    settings = load_settings(root, env=env, overrides={"default_concurrency": 2})
    assert settings.queue_size == 20
    assert settings.emit_batch_delay == 0.5
    assert settings.default_concurrency == 2
    assert settings.steps_dir == tmp_path / "flows"


def test_app_settings_merge_from_pyproject_and_environment(tmp_path: Path) -> None:
    root = _project(tmp_path, '[tool.stepflow.app]\nllm_provider = "rules"\napi_max_batch = 50')
    settings = load_settings(root, env={"STEPFLOW_APP_API_MAX_BATCH": "20"})
    assert settings.app == {"llm_provider": "rules", "api_max_batch": "20"}


def test_an_unknown_key_in_pyproject_stops_startup(tmp_path: Path) -> None:
    root = _project(tmp_path, "queue_sise = 10")
    with pytest.raises(ConfigError) as raised:
        load_settings(root, env={})
    assert str(raised.value) == "unknown setting 'queue_sise' (did you mean 'queue_size'?)"


def test_an_unknown_environment_variable_stops_startup(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path, env={"STEPFLOW_QUEUE_SISE": "1"})
    assert str(raised.value) == (
        "unknown setting STEPFLOW_QUEUE_SISE (environment) (did you mean STEPFLOW_QUEUE_SIZE?)"
    )


def test_a_bad_value_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bad value for setting 'queue_size'"):
        load_settings(tmp_path, env={"STEPFLOW_QUEUE_SIZE": "lots"})
    with pytest.raises(ConfigError, match="bad value for setting 'default_concurrency'"):
        load_settings(_project(tmp_path, "default_concurrency = 0"), env={})
    with pytest.raises(ConfigError, match="bad value for setting 'bus'"):
        load_settings(tmp_path, env={"STEPFLOW_BUS": "kafka"})


@pytest.mark.parametrize("url", ["sqlite:///tmp/x.db", "mysql://db/flow", "redis://127.0.0.1"])
def test_a_database_url_of_another_kind_stops_startup(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="bad value for setting 'database'"):
        load_settings(tmp_path, env={"STEPFLOW_DATABASE": url})
    assert not (tmp_path / url.partition("://")[0]).exists()


@pytest.mark.parametrize("database", ["postgresql://u@h/db", "postgres://h/db", "flow.db"])
def test_a_postgresql_url_or_a_file_is_a_database(tmp_path: Path, database: str) -> None:
    assert load_settings(tmp_path, env={"STEPFLOW_DATABASE": database}).database.endswith(database)


def test_a_key_like_nothing_known_gets_no_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(_project(tmp_path, "zzz = 1"), env={})
    assert str(raised.value) == "unknown setting 'zzz'"


def test_an_empty_api_key_is_a_config_error_not_authentication_off(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bad value for setting 'api_key': Value error, is empty"):
        load_settings(tmp_path, env={"STEPFLOW_API_KEY": ""})


def test_app_overrides_merge_key_by_key(tmp_path: Path) -> None:
    root = _project(tmp_path, "[tool.stepflow.app]\na = 1\nb = 2")
    settings = load_settings(root, env={"STEPFLOW_APP_B": "3"}, overrides={"app": {"c": 4}})
    assert settings.app == {"a": 1, "b": "3", "c": 4}


class Flow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_limit: int = 10


def test_app_settings_validate_as_a_model_and_name_bad_keys(tmp_path: Path) -> None:
    good = load_settings(_project(tmp_path, "[tool.stepflow.app]\nbatch_limit = 3"), env={})
    assert good.app_settings(Flow) == Flow(batch_limit=3)
    typo = load_settings(tmp_path, env={"STEPFLOW_APP_BATCH_LIMT": "3"})
    with pytest.raises(ConfigError) as raised:
        typo.app_settings(Flow)
    assert str(raised.value) == (
        "unknown setting 'app.batch_limt' (did you mean 'app.batch_limit'?)"
    )
    bad = load_settings(tmp_path, env={"STEPFLOW_APP_BATCH_LIMIT": "many"})
    with pytest.raises(ConfigError, match=r"bad value for setting 'app\.batch_limit'"):
        bad.app_settings(Flow)


def test_lists_are_read_from_comma_separated_variables(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={"STEPFLOW_ALLOWED_HOSTS": "a.example, b.example"})
    assert settings.allowed_hosts == ["a.example", "b.example"]


def test_a_postgresql_url_is_kept_as_it_is(tmp_path: Path) -> None:
    url = "postgresql://user:pw@db.internal:5432/flows"
    settings = load_settings(tmp_path, env={"STEPFLOW_DATABASE": url})
    assert (settings.database, settings.uses_postgres) == (url, True)


def test_current_settings_outside_discovery_are_defaults_and_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STEPFLOW_APP_GREETING", "Hi")
    assert current_settings().app == {"greeting": "Hi"}
    assert current_settings().queue_size == 1_000
