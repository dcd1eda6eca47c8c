"""Policy: deny and local-only globs per agent, the payload limit, and the router's filter."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from orchex_ls.governance.policy import Policy, PolicyDecision, is_local
from orchex_ls.governance.settings import GovernanceConfig

REMOTE = SimpleNamespace(name="claude", model="anthropic/claude-sonnet-4-5", local=False)
LOCAL = SimpleNamespace(name="ollama", model="ollama/qwen2.5-coder", local=True)
BUILTIN = SimpleNamespace(name="builtin", model="builtin", local=False)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    for rel in ("pkg/secrets.py", "pkg/secrets_public.py", "pkg/core.py", "internal/a/b.py", "deep/x/secrets/c.py",
                "top.py", "sub/top.py", "keys/server.pem", "notebook.ipynb"):
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text("x = 1\n")
    return project


@pytest.fixture
def policy(root: Path) -> Policy:
    config = GovernanceConfig(
        deny=["pkg/secrets*", "!pkg/secrets_public.py", "secrets/", "*.pem", "/top.py"],
        local_only=["internal/", "*.ipynb", "pkg/secrets*"],
        max_payload_kb=4,
    )
    return Policy.from_config(config, root)


def test_deny_names_the_file_and_the_glob(policy):
    decision = policy.check("pkg/secrets.py", REMOTE)
    assert decision == PolicyDecision(
        allowed=False, rule="deny", glob="pkg/secrets*", path="pkg/secrets.py",
        reason="pkg/secrets.py matches deny glob 'pkg/secrets*': never sent to an LLM agent")


def test_deny_applies_to_local_agents_too_but_not_to_the_builtin_one(policy):
    assert policy.check("pkg/secrets.py", LOCAL).rule == "deny"  # deny wins over local-only
    assert policy.check("pkg/secrets.py", BUILTIN).allowed


def test_local_only_goes_to_local_agents_only(policy):
    refused = policy.check("internal/a/b.py", REMOTE)
    assert not refused.allowed and refused.rule == "local-only" and refused.glob == "internal/"
    assert refused.reason == ("internal/a/b.py matches local-only glob 'internal/': sent only to local agents, "
                              "and claude is not local")
    assert policy.check("internal/a/b.py", LOCAL).allowed
    assert policy.check("internal/a/b.py", BUILTIN).allowed
    assert policy.check("notebook.ipynb", REMOTE).glob == "*.ipynb"


@pytest.mark.parametrize(("path", "rule", "glob"), [
    ("pkg/core.py", None, None),
    # '!pkg/secrets_public.py' takes it out of deny; it still matches local-only's 'pkg/secrets*'
    ("pkg/secrets_public.py", "local-only", "pkg/secrets*"),
    ("deep/x/secrets/c.py", "deny", "secrets/"),  # a folder glob, at any depth
    ("keys/server.pem", "deny", "*.pem"),
    ("top.py", "deny", "/top.py"),
    ("sub/top.py", None, None),  # '/top.py' is anchored to the root
    ("pkg/secrets_old.py", "deny", "pkg/secrets*"),  # need not exist
])
def test_gitignore_semantics_over_nested_paths(policy, path, rule, glob):
    decision = policy.check(path, REMOTE)
    assert (decision.rule, decision.glob) == (rule, glob)
    assert decision.allowed is (rule is None)


@pytest.mark.parametrize("spelling", [
    "pkg\\secrets.py", ".\\pkg\\secrets.py", "./pkg/secrets.py", "pkg//secrets.py", "pkg/../pkg/secrets.py",
    "internal/../pkg/secrets.py",
])
def test_other_spellings_of_a_path_cannot_dodge_a_glob(policy, spelling):
    decision = policy.check(spelling, REMOTE)
    assert decision.rule == "deny" and decision.path == "pkg/secrets.py"


def test_absolute_paths_and_file_uris_inside_the_root(policy, root):
    assert policy.check(str(root / "pkg" / "secrets.py"), REMOTE).rule == "deny"
    assert policy.check(root / "pkg" / "secrets.py", REMOTE).rule == "deny"
    assert policy.check((root / "pkg" / "secrets.py").as_uri(), REMOTE).path == "pkg/secrets.py"
    assert policy.check(str(root / "pkg" / "core.py").replace("/", "\\"), REMOTE).allowed


def test_paths_outside_the_root_meet_only_the_globs_for_any_depth(policy, root, tmp_path):
    outside = tmp_path / "elsewhere" / "pkg" / "secrets.py"
    # 'pkg/secrets*' is anchored to the project root: a file elsewhere is not that file...
    assert policy.check(str(outside), REMOTE).allowed
    assert policy.check("../elsewhere/pkg/secrets.py", REMOTE).allowed
    # ... but '*.pem' and 'secrets/' match at any depth, wherever the file is.
    pem = policy.check(str(tmp_path / "keys" / "id.pem"), REMOTE)
    assert pem.rule == "deny" and pem.path == (tmp_path / "keys" / "id.pem").as_posix()
    assert policy.check("../other/secrets/x.py", REMOTE).glob == "secrets/"
    assert policy.relative(str(outside)) is None and policy.relative("../x") is None
    assert policy.relative(str(root / "a" / "b.py")) == "a/b.py"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_a_link_is_judged_by_its_target_too(policy, root, tmp_path):
    (root / "vendor").mkdir()
    (root / "vendor" / "creds.py").symlink_to(root / "pkg" / "secrets.py")
    decision = policy.check("vendor/creds.py", REMOTE)
    assert decision.rule == "deny" and "a link to pkg/secrets.py" in decision.reason
    (tmp_path / "ext.pem").write_text("k")
    (root / "vendor" / "cert.txt").symlink_to(tmp_path / "ext.pem")
    assert policy.check("vendor/cert.txt", REMOTE).glob == "*.pem"


def test_no_path_no_globs_and_repeated_questions(root):
    policy = Policy(GovernanceConfig(), root)
    assert policy.check("pkg/secrets.py", REMOTE).allowed and policy.check(None, REMOTE).allowed
    strict = Policy(GovernanceConfig(deny=["*"]), root)
    assert strict.check(None, REMOTE).allowed  # a task without a file: only its payload is checked
    assert [strict.check("a.py", REMOTE).rule for _ in range(3)] == ["deny"] * 3


def test_payload_limit_in_kib(policy):
    assert policy.check_payload(4 * 1024).allowed
    refused = policy.check_payload(4 * 1024 + 1)
    assert refused.rule == "max-payload-kb" and "4.0 KiB, over max-payload-kb = 4" in refused.reason


def test_check_task_combines_path_and_payload(policy):
    small = SimpleNamespace(path="pkg/core.py", prompt="tidy", code="x = 1\n", messages=None)
    big = SimpleNamespace(path=None, prompt=None, code="é" * 3000, messages=None)  # 6000 bytes in UTF-8
    chat = SimpleNamespace(path=None, prompt=None, code=None, messages=[SimpleNamespace(content="y" * 5000)])
    assert policy.check_task(small, REMOTE).allowed
    assert policy.check_task(big, REMOTE).rule == "max-payload-kb"
    assert policy.check_task(chat, REMOTE).rule == "max-payload-kb"
    assert policy.check_task(big, BUILTIN).allowed  # nothing is sent
    assert policy.check_task(SimpleNamespace(path="pkg/secrets.py"), REMOTE).rule == "deny"


def test_agent_filter_is_a_reason_or_none(policy):
    veto = policy.agent_filter()
    task = SimpleNamespace(path="internal/a/b.py", prompt="x", code=None, messages=None)
    assert veto(task, LOCAL) is None and veto(task, BUILTIN) is None
    assert veto(task, REMOTE) == policy.check("internal/a/b.py", REMOTE).reason
    # The size of the task's texts is judged only when asked (the request is measured later).
    big = SimpleNamespace(path="pkg/core.py", prompt=None, code="z" * 5000, messages=None)
    assert veto(big, REMOTE) is None
    assert "max-payload-kb = 4" in policy.agent_filter(payload=True)(big, REMOTE)
    assert policy.agent_filter(payload=True)(big, BUILTIN) is None


def test_is_local_only_for_both_kinds_of_glob(policy):
    assert policy.is_local_only("internal/a/b.py") and policy.is_local_only("pkg/secrets.py")
    assert not policy.is_local_only("pkg/core.py") and not policy.is_local_only(None)


def test_root_defaults_to_the_current_folder(root, monkeypatch):
    monkeypatch.chdir(root)
    policy = Policy(GovernanceConfig(deny=["pkg/secrets*"]))
    assert policy.check(str(root / "pkg" / "secrets.py"), REMOTE).rule == "deny"


def test_is_local():
    assert is_local(LOCAL) and is_local(BUILTIN) and not is_local(REMOTE) and not is_local(object())


def test_from_config_takes_a_section_or_a_config_holding_one(root):
    section = GovernanceConfig(deny=["x"])
    assert Policy.from_config(SimpleNamespace(governance=section), root).config is section
    with pytest.raises(TypeError, match="GovernanceConfig"):
        Policy.from_config({"deny": ["x"]}, root)


def test_the_orchestrators_router_takes_the_filter(policy):
    """The contract with orchex_ls.orchestrator: Router(policy=...) filters with our reasons."""
    from orchex_ls.config import AgentConfig, RoutingConfig, builtin_agent
    from orchex_ls.orchestrator.agents import Agent
    from orchex_ls.orchestrator.models import Task
    from orchex_ls.orchestrator.router import Router

    routing = RoutingConfig()
    prices = {"cost_per_1k_input": 0.003, "cost_per_1k_output": 0.015}  # no litellm cost map to load
    configs = [AgentConfig(name="claude", model="anthropic/x", tier=1, **prices),
               AgentConfig(name="ollama", model="ollama/y", tier=2, local=True, **prices), builtin_agent()]
    router = Router([Agent(c, i, routing) for i, c in enumerate(configs)], routing, policy=policy.agent_filter())

    local_only = router.decide(Task(task_type="refactor", code="x = 1\n", path="internal/a/b.py"), 10)
    assert local_only.order == ["ollama", "builtin"]
    assert "local-only glob 'internal/'" in local_only.candidates[0].filtered

    denied = router.decide(Task(task_type="refactor", code="x = 1\n", path="pkg/secrets.py"), 10)
    assert denied.order == ["builtin"]
    explain = router.decide(Task(task_type="explain", prompt="why?", path="pkg/secrets.py"), 10)
    assert explain.order == [] and explain.reason_kind == "policy"
    assert "never sent to an LLM agent" in explain.reason
