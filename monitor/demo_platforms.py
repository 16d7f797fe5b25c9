"""Platform APIs for the offline demo: each platform fake (``connectors/testing/``) serves the bundled sample posts
on 127.0.0.1, so the demo runs the real client libraries (tweepy, praw, Mastodon.py, atproto) end to end."""

from __future__ import annotations

import importlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# source name -> (connector type, fake class, sample file)
DEMO_PLATFORMS = {
    "x-zoeken": ("x", "connectors.testing.x:XFake", "x.json"),
    "reddit-nl": ("reddit", "connectors.testing.reddit:RedditFake", "reddit.json"),
    "mastodon-tags": ("mastodon", "connectors.testing.mastodon:MastodonFake", "mastodon.json"),
    "bluesky-zoeken": ("bluesky", "connectors.testing.bluesky:BlueskyFake", "bluesky.json"),
}


@dataclass
class DemoPlatform:
    source: str
    type: str
    options: dict[str, Any]
    fake: Any



@contextmanager
def demo_platforms() -> Iterator[list[DemoPlatform]]:
    """Start one local server per platform with its sample posts; demo credentials are set for the duration."""
    from connectors.testing import demo_items
    from connectors.testing.server import running_server

    platforms: list[DemoPlatform] = []
    saved = dict(os.environ)
    with ExitStack() as stack:
        for source, (kind, fake_path, sample) in DEMO_PLATFORMS.items():
            try:
                module_name, class_name = fake_path.split(":")
                fake_class = getattr(importlib.import_module(module_name), class_name)
            except (ImportError, AttributeError) as exc:  # pragma: no cover - a platform not built yet
                log.warning("demo: %s overgeslagen (%s)", kind, exc)
                continue
            server = stack.enter_context(running_server())
            fake = fake_class(server)
            fake.publish(demo_items(sample), page_size=5)
            os.environ.update(fake.env)
            platforms.append(DemoPlatform(source, kind, fake.source_options(), fake))
        try:
            yield platforms
        finally:
            os.environ.clear()
            os.environ.update(saved)


def toml_value(value: Any) -> str:
    """A Python value as TOML (the config writer for generated demo sources)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def sources_toml(platforms: list[DemoPlatform]) -> str:
    lines = []
    for platform in platforms:
        lines += ["[[sources]]", f'name = "{platform.source}"', f'type = "{platform.type}"']
        lines += [f"{key} = {toml_value(value)}" for key, value in platform.options.items()]
        lines.append("")
    return "\n".join(lines)
