"""``[tool.orchex.governance]``: kebab-case keys, defaults, and globs that say what they mean."""

from __future__ import annotations

import sys

import pytest
from pydantic import ValidationError

from orchex_ls.governance.settings import GovernanceConfig

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_defaults_are_safe():
    config = GovernanceConfig()
    assert config.redact_secrets and config.audit and not config.audit_content
    assert config.max_payload_kb == 256 and config.deny == [] and config.local_only == []


def test_kebab_case_keys_from_toml():
    data = tomllib.loads("""
[tool.orchex.governance]
local-only = ["internal/**", "*.ipynb"]
deny = ["pkg/secrets*", "!pkg/secrets_public.py", ".env"]
redact-secrets = false
max-payload-kb = 64
audit = true
audit-content = true
""")["tool"]["orchex"]["governance"]
    config = GovernanceConfig.model_validate(data)
    assert config.local_only == ["internal/**", "*.ipynb"]
    assert config.deny == ["pkg/secrets*", "!pkg/secrets_public.py", ".env"]
    assert (config.redact_secrets, config.max_payload_kb, config.audit_content) == (False, 64, True)
    assert config.model_dump(by_alias=True)["max-payload-kb"] == 64


def test_unknown_keys_are_refused_and_the_model_is_frozen():
    with pytest.raises(ValidationError, match="extra"):
        GovernanceConfig.model_validate({"denied": ["x"]})
    config = GovernanceConfig()
    with pytest.raises(ValidationError):
        config.deny = ["x"]  # type: ignore[misc]


@pytest.mark.parametrize(("glob", "message"), [
    ("pkg\\secrets.py", "use '/' to separate folders"),
    ("C:/work/secrets.py", "not absolute paths"),
    ("../other/*.py", "cannot go above"),
    ("pkg/../../x", "cannot go above"),
    ("# not a glob", "would be a comment"),
    ("   ", "must not be empty"),
])
def test_globs_that_cannot_mean_what_they_say_are_refused(glob, message):
    with pytest.raises(ValidationError, match=message):
        GovernanceConfig.model_validate({"deny": [glob]})
    with pytest.raises(ValidationError, match=message):
        GovernanceConfig.model_validate({"local-only": [glob]})


@pytest.mark.parametrize("glob", ["\\#hash.py", "name\\ with\\ spaces.py", "/top-level.py", "**/.env", "a/**/b", "!keep.py"])
def test_gitignore_escapes_and_anchors_are_accepted(glob):
    assert GovernanceConfig.model_validate({"deny": [glob]}).deny == [glob]


@pytest.mark.parametrize("value", [0, -1, "big"])
def test_payload_limit_must_be_a_positive_number(value):
    with pytest.raises(ValidationError):
        GovernanceConfig.model_validate({"max-payload-kb": value})
