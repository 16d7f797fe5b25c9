"""The demo's web app step: one account per role, with generated passwords, and how to open the app."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

# (name, role, the school it is for: None = all)
DEMO_USERS = [("anja", "communicatie", 0), ("bram", "veiligheid", 0), ("carla", "management", None),
              ("dirk", "beheer", None)]


def demo_users(config: Any, config_file: Path, out: Any) -> list[tuple[str, str, str]]:
    """Make the demo accounts (the demo directory is new each run) and print them; returns (name, role, password)."""
    from monitor.web.users import UserStore

    users = UserStore(config.data_dir)
    known = [s.id for s in config.schools]
    made = []
    for name, role, school in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        users.add(name, role, [known[school]] if school is not None else [], password, known_schools=known)
        made.append((name, role, password))
        where = known[school] if school is not None else "alle scholen"
        out.print(f"   {name:<6} {role:<13} {where:<22} wachtwoord: {password}", markup=False)
    out.print(f"   Openen: monitor web --config {config_file}  en ga naar http://127.0.0.1:{config.web.port}/ "
              "(alleen op deze computer; log in met een van de accounts hierboven).", markup=False, soft_wrap=True)
    return made
