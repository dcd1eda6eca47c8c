"""Configuration: discovery, kebab-case keys, and errors that name file, key and allowed values."""

from __future__ import annotations

import os

import pytest

from orchex_ls.config import (
    ConfigError,
    OrchexConfig,
    find_config_file,
    load_config,
    validate_config,
)


def test_defaults_match_the_documented_thresholds():
    t = OrchexConfig().thresholds
    assert (t.cyclomatic, t.cognitive, t.nesting, t.function_lines, t.parameters) == (10, 15, 4, 60, 6)
    assert (t.maintainability, t.duplicate_lines, t.fan_out, t.hotspot_days) == (20, 6, 15, 180)
    assert OrchexConfig().state_dir == ".orchex"


def test_kebab_case_keys_are_read_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname='x'\n[tool.orchex]\nmax-file-size-kb = 10\nextend-exclude = ['gen/']\n"
        "[tool.orchex.thresholds]\nfunction-lines = 30\nfan-out = 3\n"
    )
    sub = tmp_path / "pkg" / "deep"
    sub.mkdir(parents=True)
    config, path = load_config(sub)
    assert path == tmp_path / "pyproject.toml"
    assert config.max_file_size_kb == 10
    assert config.extend_exclude == ["gen/"]
    assert config.thresholds.function_lines == 30 and config.thresholds.fan_out == 3


def test_dot_orchex_toml_wins_over_pyproject_in_the_same_folder(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.orchex]\njobs = 2\n")
    (tmp_path / ".orchex.toml").write_text("jobs = 3\n")
    config, path = load_config(tmp_path)
    assert path.name == ".orchex.toml" and config.jobs == 3


def test_pyproject_without_orchex_table_is_passed_over(tmp_path):
    (tmp_path / ".orchex.toml").write_text("jobs = 5\n")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname='x'\n")
    assert find_config_file(inner) == tmp_path / ".orchex.toml"


def test_unknown_key_names_file_key_and_allowed_keys(tmp_path):
    (tmp_path / ".orchex.toml").write_text("[thresholds]\ncognitiv = 3\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert str(tmp_path / ".orchex.toml") in message
    assert "thresholds.cognitiv" in message
    assert "cognitive" in message and "function-lines" in message


def test_bad_value_says_what_is_allowed(tmp_path):
    (tmp_path / ".orchex.toml").write_text("[thresholds]\nnesting = 0\n")
    with pytest.raises(ConfigError, match=r"thresholds\.nesting: .*greater than or equal to 1"):
        load_config(tmp_path)


def test_unknown_code_in_select_is_rejected():
    with pytest.raises(ConfigError, match="unknown code 'XYZ1'"):
        validate_config({"select": ["XYZ1"]})


def test_select_and_ignore_accept_prefixes():
    config = validate_config({"select": ["ocx10"], "ignore": ["OCX107"]})
    assert config.reports("OCX101")
    assert not config.reports("OCX107")
    assert not config.reports("OCX110")


def test_invalid_toml_is_a_config_error(tmp_path):
    (tmp_path / ".orchex.toml").write_text("jobs = = 3\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(tmp_path)


def test_overrides_win_over_the_file(tmp_path):
    (tmp_path / ".orchex.toml").write_text("jobs = 3\n")
    config, _ = load_config(tmp_path, {"jobs": 7, "select": None})
    assert config.jobs == 7


def test_a_bad_flag_is_not_blamed_on_the_file(tmp_path):
    (tmp_path / ".orchex.toml").write_text("jobs = 3\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, {"select": ["NOPE"]})
    assert "command-line options" in str(info.value)
    assert ".orchex.toml" not in str(info.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_pyproject_is_a_config_error(tmp_path):
    target = tmp_path / "pyproject.toml"
    target.write_text("[tool.orchex]\n")
    target.chmod(0)
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config(tmp_path)
