"""Read-only guarantee: no code calls a write method of tweepy, praw, Mastodon.py or atproto.

The list of write methods is built from the installed libraries (their public methods whose name starts with a
write verb: create, delete, like, follow, reply, submit, status_post, send_post ...), and the code in connectors/ and
monitor/ (plus models/ and dashboards/) is parsed for attribute calls and getattr() look-ups with those names.
A second test runs collection against the platform fakes and checks that no request but logging in wrote anything.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("connectors", "monitor", "models", "dashboards")
VERBS = {
    "create", "delete", "destroy", "update", "post", "put", "apply", "reply", "send", "like", "unlike", "favourite",
    "unfavourite", "favorite", "follow", "unfollow", "retweet", "unretweet", "repost", "unrepost", "block", "unblock",
    "mute", "unmute", "report", "upvote", "downvote", "clear", "submit", "edit", "save", "unsave", "subscribe",
    "unsubscribe", "message", "crosspost", "award", "gild", "hide", "unhide", "bookmark", "unbookmark", "pin",
    "unpin", "vote", "remove", "add", "accept", "reject", "dismiss", "mark", "set", "upload", "reblog", "unreblog",
    "authorize", "note", "register", "request", "revoke", "activate", "deactivate", "confirm", "reserve", "emit",
    "leave"
}
SCOPES = {"status", "account", "list", "conversations", "notifications", "filters", "domain", "push", "media", "poll",
          "markers", "featured", "tag", "follow"}
# Calls with a write-like name on objects that are not platform clients (outside connectors/ only), and why.
NOT_A_PLATFORM = {
    ("monitor/digest/mail.py", "reply"): "formats an SMTP server reply for an error message",
    ("monitor/scheduler/health.py", "report"): "the health endpoint's own state report",
    ("monitor/digest/smtp_local.py", "save"): "the local test SMTP server saving a received message to disk",
    ("models/train.py", "save"): "saving trained classifier heads to a file",
    ("monitor/commands/model.py", "save"): "saving the calibrated classifier heads to a file",
    ("dashboards/exports.py", "save"): "openpyxl writing the weekly table workbook to memory",
    ("monitor/scheduler/executor.py", "submit"): "concurrent.futures thread pool",
    ("monitor/digest/mail.py", "send_message"): "smtplib sending the digest e-mail to the school's own recipients",
}
# Requests that change state on the platform side but only log in (the fakes record every request).
LOGIN_POSTS = ("/api/v1/access_token", "/xrpc/com.atproto.server.createSession",
               "/xrpc/com.atproto.server.refreshSession")
LIBRARY_MODULES = {"tweepy": "x", "praw": "reddit", "prawcore": "reddit", "mastodon": "mastodon",
                   "atproto": "bluesky", "atproto_client": "bluesky", "atproto_core": "bluesky"}


def is_write(name: str) -> bool:
    words = name.split("_")
    return words[0] in VERBS or (len(words) > 1 and words[0] in SCOPES and words[1] in VERBS)


def public_methods(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls, callable) if not name.startswith("_")}


def write_methods() -> dict[str, set[str]]:
    """Per library: its public write methods, from the installed version."""
    import atproto
    import atproto_client.namespaces.sync_ns as atproto_ns
    import mastodon
    import praw
    import tweepy

    classes = {
        "tweepy": [tweepy.Client, tweepy.API],
        "praw": [praw.Reddit, praw.models.Submission, praw.models.Comment, praw.models.Subreddit,
                 praw.models.Redditor, praw.models.Message],
        "Mastodon.py": [mastodon.Mastodon],
        "atproto": [atproto.Client] + [c for _, c in inspect.getmembers(atproto_ns, inspect.isclass)],
    }
    methods = {lib: {n for cls in found for n in public_methods(cls) if is_write(n)} for lib, found in classes.items()}
    methods["atproto"] -= {"create_session", "refresh_session"}  # logging in with the app password
    for names in methods.values():  # the generic transport (any HTTP method): checked by the request test below
        names.discard("request")
    return methods


def python_files() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py"))


def attribute_calls(path: Path) -> list[tuple[str, int]]:
    """(name, line) of every ``x.name(...)`` and ``getattr(x, "name")(...)`` call in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            found.append((func.attr, node.lineno))
        elif isinstance(func, ast.Call) and getattr(func.func, "id", "") == "getattr" and len(func.args) >= 2:
            name = func.args[1]  # getattr(client, "like")(...)
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                found.append((name.value, node.lineno))
    return found


def test_the_write_list_comes_from_the_libraries() -> None:
    methods = write_methods()
    expected = {
        "tweepy": {"create_tweet", "delete_tweet", "like", "retweet", "follow_user", "create_direct_message",
                   "update_status", "send_direct_message"},
        "praw": {"reply", "upvote", "downvote", "submit", "message", "edit", "delete", "crosspost", "report"},
        "Mastodon.py": {"status_post", "status_reply", "status_favourite", "status_reblog", "account_follow",
                        "account_block", "media_post", "report"},
        "atproto": {"send_post", "like", "repost", "follow", "delete_post", "create_record", "upload_blob",
                    "send_message"},
    }
    for library, names in expected.items():
        assert names <= methods[library], f"{library}: {sorted(names - methods[library])} missing"
    readers = {"search_recent_tweets", "search", "timeline_hashtag", "search_posts", "status", "get_posts", "info"}
    assert not readers & set().union(*methods.values()), "read methods are not on the list"


def test_no_code_calls_a_platform_write_method() -> None:
    forbidden = set().union(*write_methods().values())
    problems = []
    for path in python_files():
        relative = path.relative_to(ROOT).as_posix()
        for name, line in attribute_calls(path):
            if name not in forbidden:
                continue
            if not relative.startswith("connectors/") and (relative, name) in NOT_A_PLATFORM:
                continue
            problems.append(f"{relative}:{line}: .{name}(...)")
    assert not problems, (
        "school-monitor is read-only; these calls have the name of a platform write method. If one is not a "
        "platform client, add it to NOT_A_PLATFORM with the reason:\n" + "\n".join(problems)
    )


def test_platform_libraries_are_used_only_by_their_own_connector() -> None:
    problems = []
    for path in python_files():
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args:
                first = node.args[0]
                modules = [first.value] if isinstance(first, ast.Constant) and isinstance(first.value, str) else []
            for module in modules:
                platform = LIBRARY_MODULES.get(module.split(".")[0])
                if platform and relative != f"connectors/{platform}.py":
                    problems.append(f"{relative}:{node.lineno} imports {module}")
    assert not problems, "platform client libraries belong in their connector module only:\n" + "\n".join(problems)


@pytest.mark.slow
def test_collecting_from_every_platform_sends_no_write_request(tmp_path: Path) -> None:
    from monitor.config import load_config
    from monitor.demo import demo_config_text
    from monitor.demo_platforms import demo_platforms, sources_toml
    from monitor.pipeline import collect, recheck_deletions
    from monitor.store import Store

    with demo_platforms() as platforms:
        head = demo_config_text("http://127.0.0.1:9", sources_toml(platforms)).replace('type = "rss"', 'type = "rss"\n'
                                                                                      "enabled = false")
        (tmp_path / "monitor.toml").write_text(head, encoding="utf-8")
        config = load_config(tmp_path / "monitor.toml")
        store = Store(config.data_dir)
        runs = collect(config, store)
        recheck_deletions(config, store)
        assert runs and all(run.status == "ok" for run in runs), [(r.source, r.message) for r in runs]
        assert {p.type for p in platforms} == {"x", "reddit", "mastodon", "bluesky"}
        seen = [(p.type, r.method, r.path) for p in platforms for r in p.fake.server.requests]
    assert seen
    writes = [s for s in seen if s[1] in ("PUT", "PATCH", "DELETE") or (s[1] == "POST" and
                                                                       not s[2].startswith(LOGIN_POSTS))]
    assert not writes, f"requests that could change something on a platform: {writes}"
