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


# -- orchestrator sections: agents, routing, budget --------------------------------------------


def test_agents_routing_and_budget_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.orchex.routing]\nstrategy = 'cheapest'\nmax-attempts = 3\nqueue-max = 8\n"
        "[tool.orchex.routing.weights]\nquality = 1\ncost = 0\n"
        "[tool.orchex.routing.circuit]\nfailures = 2\ncooldown-s = 5\n"
        "[tool.orchex.budget]\ndaily-usd = 1.5\nper-task-usd = 0.1\n"
        "[[tool.orchex.agents]]\nname = 'claude'\nmodel = 'anthropic/claude-sonnet-4-5'\n"
        "api-key-env = 'ANTHROPIC_API_KEY'\ntask-types = ['refactor', 'review']\nquality = 0.9\n"
        "cost-per-1k-input = 0.003\ncost-per-1k-output = 0.015\nmax-concurrency = 4\nrpm = 60\ntpm = 100000\n"
        "timeout-s = 60\ncontext-window = 200000\n"
        "[[tool.orchex.agents]]\nname = 'local'\nmodel = 'ollama/qwen'\napi-base = 'http://127.0.0.1:11434'\n"
        "tier = 2\nlocal = true\n"
    )
    config, _ = load_config(tmp_path)
    claude, local = config.agents
    assert (claude.name, claude.tier, claude.quality, claude.rpm, claude.context_window) == ("claude", 1, 0.9, 60, 200000)
    assert claude.task_types == ["refactor", "review"] and claude.api_key_env == "ANTHROPIC_API_KEY"
    assert local.local and local.tier == 2 and local.api_base == "http://127.0.0.1:11434"
    assert local.task_types == ["refactor", "explain", "docstring", "review"]
    r = config.routing
    assert (r.strategy, r.max_attempts, r.queue_max, r.circuit.failures, r.circuit.cooldown_s) == ("cheapest", 3, 8, 2, 5)
    assert (r.weights.quality, r.weights.cost, r.weights.latency) == (1, 0, 0.2)
    assert (config.budget.daily_usd, config.budget.per_task_usd, config.budget.monthly_usd) == (1.5, 0.1, None)


def test_agents_in_dot_orchex_toml_and_defaults_without_any():
    assert OrchexConfig().agents == [] and OrchexConfig().routing.strategy == "score"
    assert OrchexConfig().budget.daily_usd is None and OrchexConfig().routing.log_content is False


def test_agents_table_in_dot_orchex_toml(tmp_path):
    (tmp_path / ".orchex.toml").write_text("[[agents]]\nname = 'a'\nmodel = 'openai/gpt-4o'\n")
    config, _ = load_config(tmp_path)
    assert [a.name for a in config.agents] == ["a"]


def test_unknown_agent_key_names_the_agent_index_and_the_allowed_keys(tmp_path):
    (tmp_path / ".orchex.toml").write_text("[[agents]]\nname = 'a'\nmodel = 'm'\n[[agents]]\nname = 'b'\nmodel = 'm'\ntiers = 2\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert "agents[1].tiers: unknown key" in message
    assert "api-key-env" in message and "max-concurrency" in message and "context-window" in message


@pytest.mark.parametrize("data, expected", [
    ({"agents": [{"name": "a", "model": "m"}, {"name": "a", "model": "n"}]}, "agent name 'a' is used twice"),
    ({"agents": [{"name": "a"}]}, "agents[0].model: Field required"),
    ({"agents": [{"name": "a", "model": "m", "quality": 1.5}]}, "agents[0].quality: Input should be less than or equal to 1"),
    ({"agents": [{"name": "a", "model": "m", "task-types": []}]}, "agents[0].task-types"),
    ({"agents": [{"name": "a", "model": "builtin", "task-types": ["explain"]}]}, "serves only 'refactor'"),
    ({"routing": {"strategy": "random"}}, "routing.strategy: Input should be 'score', 'tier', 'cheapest' or 'fastest'"),
    ({"routing": {"weights": {"quality": 0, "cost": 0, "latency": 0, "load": 0}}}, "at least one weight"),
    ({"routing": {"backoff-base-ms": 500, "backoff-max-ms": 100}}, "backoff-max-ms (100) is below backoff-base-ms (500)"),
    ({"routing": {"circuit": {"failurs": 3}}}, "routing.circuit.failurs: unknown key; allowed keys: cooldown-s, failures, window-s"),
    ({"budget": {"daily": 3}}, "budget.daily: unknown key; allowed keys: daily-usd, monthly-usd, per-task-usd"),
    ({"budget": {"daily-usd": -1}}, "budget.daily-usd: Input should be greater than or equal to 0"),
])
def test_invalid_orchestrator_settings_say_where_and_what(data, expected):
    with pytest.raises(ConfigError) as info:
        validate_config(data)
    assert expected in str(info.value)


def test_a_key_pasted_into_api_key_env_is_refused_and_never_echoed():
    key = "sk-live-abcdef0123456789abcdef"
    with pytest.raises(ConfigError) as info:
        validate_config({"agents": [{"name": "a", "model": "m", "api-key-env": key}]})
    assert "agents[0].api-key-env: must be the name of an environment variable" in str(info.value)
    assert key not in str(info.value)
