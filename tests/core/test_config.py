"""Settings: pyproject, then environment, then overrides; strict about keys and values."""

from __future__ import annotations

from pathlib import Path

import pytest

from stepflow import ConfigError, load_settings


def _project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[tool.stepflow]\n{table}\n")
    return tmp_path


def test_defaults_resolve_paths_against_the_project(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={})
    assert settings.steps_dir == tmp_path / "steps"
    assert settings.database == tmp_path / ".stepflow" / "stepflow.db"
    assert (settings.emit_batch_size, settings.emit_batch_delay, settings.bus) == (
        25,
        0.0,
        "memory",
    )


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
    with pytest.raises(ConfigError, match="unknown setting 'queue_sise'"):
        load_settings(root, env={})


def test_an_unknown_environment_variable_stops_startup(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown setting STEPFLOW_QUEUE_SISE"):
        load_settings(tmp_path, env={"STEPFLOW_QUEUE_SISE": "1"})


def test_a_bad_value_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bad value for setting 'queue_size'"):
        load_settings(tmp_path, env={"STEPFLOW_QUEUE_SIZE": "lots"})
    with pytest.raises(ConfigError, match="bad value for setting 'default_concurrency'"):
        load_settings(_project(tmp_path, "default_concurrency = 0"), env={})
    with pytest.raises(ConfigError, match="bad value for setting 'bus'"):
        load_settings(tmp_path, env={"STEPFLOW_BUS": "kafka"})
