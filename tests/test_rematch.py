"""``monitor rematch``: the current school rules re-applied to stored posts, and the service doing it on a change."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import Config, load_config
from monitor.matching import REPLY_RULE
from monitor.rematch import changed_schools, plan, rematch_if_rules_changed
from monitor.review import post_ref
from monitor.store import Store
from tests.digest_helpers import REGENBOOG, ZILVERMEER, item, seed_items
from tests.factories import example_config

OLD_EXCLUDE = 'exclude = ["recreatieplas", "strandbad"]'
NEW_EXCLUDE = 'exclude = ["recreatieplas", "strandbad", "Zwolle"]'


def posts() -> list[tuple[dict[str, object], dict[str, object]]]:
    return [
        item(1, ZILVERMEER, "Mooie musical op het Zilvermeer College in Almere", "positief"),
        item(2, ZILVERMEER, "Open dag op het Zilvermeer College in Zwolle, kom kijken", "neutraal"),
        item(3, ZILVERMEER, "Klopt, mijn zoon was er ook", "positief", reply_to="2", match_rule=REPLY_RULE),
        item(4, ZILVERMEER, "En daarna nog een borrel", "neutraal", reply_to="3", match_rule=REPLY_RULE),
        item(5, ZILVERMEER, "Super gespeeld", "positief", reply_to="1", match_rule=REPLY_RULE),
        item(6, REGENBOOG, "Juf Anna van De Regenboog is geweldig", "positief"),
    ]


def change(config_dir: Path, old: str, new: str) -> Config:
    path = config_dir / "monitor.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_config(path)


def stored(store: Store) -> set[tuple[str, str]]:
    index = store.read("post_index", columns=["post_key", "school_id"])
    return set(zip(index["post_key"], index["school_id"], strict=True))


def test_a_new_exclude_removes_the_wrong_matches_and_their_replies_at_any_depth(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    store = Store(config.data_dir)
    seed_items(store, posts())
    assert plan(config, store).rows.empty  # the rules the posts were stored under still hold

    config = change(tmp_path, OLD_EXCLUDE, NEW_EXCLUDE)
    found = plan(config, store)
    assert sorted(found.rows["post_key"]) == ["rss:2", "rss:3", "rss:4"]
    assert found.per_school() == {ZILVERMEER: 3}
    assert "Zwolle" in found.rows.set_index("post_key").loc["rss:2", "reason"]
    assert stored(store) == {(f"rss:{n}", s) for n, s in
                             [(1, ZILVERMEER), (2, ZILVERMEER), (3, ZILVERMEER), (4, ZILVERMEER), (5, ZILVERMEER),
                              (6, REGENBOOG)]}  # plan changes nothing


def test_the_command_shows_asks_removes_every_trace_and_records_it(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    store = Store(config.data_dir)
    seed_items(store, posts())
    change(tmp_path, OLD_EXCLUDE, NEW_EXCLUDE)
    runner = CliRunner()
    args = ["rematch", "--config", str(tmp_path / "monitor.toml")]

    asked = runner.invoke(app, args)
    assert asked.exit_code != 0
    assert "zilvermeer-almere: 3 berichten" in asked.output
    assert post_ref("rss:2") in asked.output and "uitgesloten door 'Zwolle'" in asked.output
    assert len(stored(store)) == 6  # nothing without confirmation

    done = runner.invoke(app, [*args, "--yes"])
    assert done.exit_code == 0, done.output
    assert "Gewist: 3 rijen" in done.output
    assert stored(store) == {("rss:1", ZILVERMEER), ("rss:5", ZILVERMEER), ("rss:6", REGENBOOG)}
    assert set(store.read("labels")["post_key"]) == {"rss:1", "rss:5", "rss:6"}
    audit = store.read("audit")
    assert "rematch" in set(audit["action"])

    again = runner.invoke(app, [*args, "--yes"])
    assert again.exit_code == 0 and "Niets te wissen" in again.output


def test_the_service_rematches_changed_schools_only_and_keeps_a_school_taken_out(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    store = Store(config.data_dir)
    seed_items(store, posts())
    assert changed_schools(config, store) is None
    assert rematch_if_rules_changed(config, store) is None  # first start: the fingerprint is stored
    assert changed_schools(config, store) == []

    config = change(tmp_path, OLD_EXCLUDE, NEW_EXCLUDE)
    assert changed_schools(config, store) == [ZILVERMEER]
    done = rematch_if_rules_changed(config, store)
    assert done is not None and done.rows == 3
    assert changed_schools(config, store) == []
    assert rematch_if_rules_changed(config, store) is None

    # A school that disappears from the config (a typo in its id, say) keeps its posts until removed by hand.
    config = change(tmp_path, 'id = "regenboog-zoetermeer"', 'id = "regenboog-zoetermer"')
    assert rematch_if_rules_changed(config, store) is None
    assert ("rss:6", REGENBOOG) in stored(store)
    assert plan(config, store).gone_schools == [REGENBOOG]
