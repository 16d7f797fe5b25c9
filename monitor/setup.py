"""`monitor init`: write the commented example configuration."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from monitor.errors import MonitorError

SOURCES_MARKER = "# --- bronnen ---"


def example_config_text() -> str:
    return files("monitor").joinpath("templates/monitor.example.toml").read_text(encoding="utf-8")


def write_example_config(path: Path, force: bool = False) -> Path | None:
    """Write the example config, and create the pseudonym key file when the environment gives no key.

    Returns the key file's path (None when the key comes from the environment)."""
    if path.exists() and not force:
        raise MonitorError(f"{path} bestaat al. Gebruik --force om het te overschrijven.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(example_config_text(), encoding="utf-8")
    from monitor.config import load_config
    from monitor.privacy import ensure_key

    return ensure_key(load_config(path))
