"""Stored raw payloads hold no handle, account id or DID, field by field, for every platform: the real client
libraries read the platform fakes (shaped on the platforms' documented answers), the pipeline stores, and every
string in every stored payload is checked."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from connectors.testing import demo_items
from connectors.testing.x import author_id
from monitor.config import load_config
from monitor.demo_platforms import DEMO_PLATFORMS, demo_platforms, sources_toml
from monitor.pipeline import collect
from monitor.setup import SOURCES_MARKER, example_config_text
from monitor.store import Store


def strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in strings(v, f"{path}[{i}]")]
    return [(path, str(value))] if value is not None else []


def test_no_account_identifier_survives_in_any_stored_payload(tmp_path: Path) -> None:
    handles: set[str] = set()
    for _, _, sample in DEMO_PLATFORMS.values():
        for item in demo_items(sample):
            name = item.author.lstrip("@")
            handles |= {name, name.split("@")[0]}
    ids = {author_id(item.author) for item in demo_items("x.json")}
    with demo_platforms() as platforms:
        head = example_config_text().split(SOURCES_MARKER)[0]
        path = tmp_path / "monitor.toml"
        path.write_text(head + sources_toml(platforms), encoding="utf-8")
        config = load_config(path)
        store = Store(config.data_dir)
        runs = collect(config, store)
    assert all(run.new for run in runs), [(r.source, r.message) for r in runs]
    raw = store.read("raw", columns=["connector", "payload"])
    assert set(raw["connector"]) >= {"x", "reddit", "mastodon", "bluesky"}
    leaks = []
    for connector, payload in zip(raw["connector"], raw["payload"], strict=True):
        for field, text in strings(json.loads(payload)):
            if field.endswith((".text", ".content", ".selftext", ".body", ".title", ".record.text")):
                continue  # what people wrote is the post itself (mentions in it stay, as in the digest)
            words = set(re.findall(r"[A-Za-z0-9_.-]+", text))
            found = {h for h in handles if h in words} | {i for i in ids if i in words}
            if "did:plc:" in text or "did:web:" in text or found:
                leaks.append((connector, field, text[:120]))
    assert not leaks, leaks[:10]
