"""Every setting and command is documented: a new one without docs fails here (as datasette does)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from connectors.registry import get_connector_class, known_connectors
from monitor.cli import app
from monitor.config import (
    BoardConfig,
    Config,
    DashboardConfig,
    DigestConfig,
    ModelConfig,
    PrivacyConfig,
    SchedulerConfig,
    School,
    SmtpConfig,
    SourceConfig,
)
from monitor.setup import example_config_text

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = README + example_config_text()


SETTINGS_MODELS = [Config, PrivacyConfig, ModelConfig, School, SourceConfig, SmtpConfig, DigestConfig, BoardConfig,
                   DashboardConfig, SchedulerConfig]


@pytest.mark.parametrize("model", SETTINGS_MODELS, ids=lambda m: m.__name__)
def test_every_setting_is_documented(model: type[BaseModel]) -> None:
    missing = [name for name in model.model_fields if name not in DOCS]
    assert not missing, f"{model.__name__}: document {missing} in README.md or monitor.example.toml"


@pytest.mark.parametrize("name", known_connectors())
def test_every_connector_setting_is_documented(name: str) -> None:
    page = ROOT / "docs" / "connectors" / f"{name}.md"
    assert page.exists(), f"write docs/connectors/{name}.md"
    text = page.read_text(encoding="utf-8")
    missing = [field for field in get_connector_class(name).Settings.model_fields if f"`{field}`" not in text]
    assert not missing, f"docs/connectors/{name}.md: document {missing}"


def test_every_command_is_in_the_readme() -> None:
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    assert names
    missing = [name for name in names if f"monitor {name}" not in README]
    assert not missing, f"document these commands in README.md: {missing}"


def test_readme_quick_start_is_the_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("```", 2)[1]
    assert [line.strip() for line in quick.splitlines() if line.strip() and line.strip() != "sh"] == [
        "make demo",
        "make test",
    ]
