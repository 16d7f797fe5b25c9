"""The review workflow: append-only events, open until marked, short references, and the CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import Config, load_config
from monitor.errors import MonitorError
from monitor.review import history, mark, post_ref, resolve, review_list
from monitor.setup import example_config_text
from monitor.store import Store
from tests.factories import label_row, post_row, wide_capture


def make_store(tmp_path: Path) -> tuple[Config, Store]:
    path = tmp_path / "monitor.toml"
    path.write_text(example_config_text(), encoding="utf-8")
    config = load_config(path)
    store = Store(config.data_dir)
    base = datetime(2026, 11, 16, 9, tzinfo=UTC)
    rows, labels = [], []
    for i, (school, text, sentiment, flagged) in enumerate(
        [("zilvermeer-almere", "Alweer lesuitval", "negatief", ()),
         ("regenboog-zoetermeer", "Juf Anouk is top", "positief", ("compliment",)),
         ("zilvermeer-almere", "Mijn zoon wordt gepest", "negatief", ("pesten",))]
    ):
        labels.append(label_row(f"rss:{i}", base + timedelta(hours=i), sentiment, flagged,
                                evidence=("pesten.direct: wordt gepest",) if flagged == ("pesten",) else ()))
        rows.append({"post_key": f"rss:{i}", "platform": "rss", "native_id": str(i), "url": f"https://e.example/{i}",
                     "created_at": base + timedelta(hours=i), "fetched_at": base, "author": None, "text": text,
                     "language": None, "has_media": False, "reply_to": None, "quote_of": None, "source": "t",
                     "query": "q", "school_id": school, "match_rule": "naam"})
    with store.transaction() as tx:
        tx.add_posts(rows)
        tx.append_labels(labels)
    return config, store


def test_posts_are_open_until_marked_and_events_are_appended(tmp_path: Path) -> None:
    _, store = make_store(tmp_path)
    assert set(review_list(store)["post_key"]) == {"rss:0", "rss:2"}, "the compliment needs no action"
    mark(store, post_ref("rss:0"), "besproken", "Met de mentor besproken", actor="coördinator")
    mark(store, post_ref("rss:0"), "geen-actie", actor="coördinator")
    open_items = review_list(store)
    assert set(open_items["post_key"]) == {"rss:2"}
    everything = review_list(store, everything=True)
    assert len(everything) == 3
    assert everything.set_index("post_key").loc["rss:0", "status"] == "geen-actie", "the newest event wins"
    assert everything.set_index("post_key").loc["rss:1", ["sentiment", "kind"]].tolist() == ["positief", "goed"]
    assert open_items.loc[0, "categories"] == ["pesten"] and open_items.loc[0, "kind"] == "veiligheid"
    events = history(store, "rss:0")
    assert list(events["status"]) == ["besproken", "geen-actie"], "nothing is edited in place"
    assert events.loc[0, "note"] == "Met de mentor besproken" and events.loc[0, "school_id"] == "zilvermeer-almere"
    assert set(review_list(store, school_id="zilvermeer-almere")["post_key"]) == {"rss:2"}
    assert review_list(store, school_id="regenboog-zoetermeer").empty


def test_references_and_statuses_are_checked(tmp_path: Path) -> None:
    _, store = make_store(tmp_path)
    assert resolve(store, "rss:1") == "rss:1"
    assert resolve(store, post_ref("rss:1")[:6]) == "rss:1"
    with pytest.raises(MonitorError, match="Geen bericht met kenmerk"):
        resolve(store, "zzzzzzzz")
    with pytest.raises(MonitorError, match="Kies uit: besproken"):
        mark(store, "rss:1", "beantwoord")


def test_review_commands(tmp_path: Path) -> None:
    config, _ = make_store(tmp_path)
    ref = post_ref("rss:2")

    def monitor(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "monitor", *args, "--config", str(config.path)],
                              capture_output=True, text=True, timeout=120, check=False,
                              env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(tmp_path)})

    listed = monitor("review", "list")
    assert listed.returncode == 0, listed.stderr
    assert ref in listed.stdout and "Mijn zoon wordt gepest" in listed.stdout
    assert "sentiment" in listed.stdout and "categorieën" in listed.stdout and "pesten" in listed.stdout
    assert "Juf Anouk is top" not in listed.stdout, "a compliment needs no action"
    assert "Juf Anouk is top" in monitor("review", "list", "--all").stdout
    marked = monitor("review", "mark", ref, "--status", "doorgezet-veiligheid", "--note", "naar de coördinator",
                     "--by", "mw. Jansen")
    assert marked.returncode == 0, marked.stderr
    assert "doorgezet naar de veiligheidscoördinator" in marked.stdout
    shown = monitor("review", "show", ref)
    assert "mw. Jansen" in shown.stdout and "naar de coördinator" in shown.stdout
    assert ref not in monitor("review", "list").stdout
    wrong = monitor("review", "mark", ref, "--status", "gereageerd")
    assert wrong.returncode != 0 and wrong.stderr.startswith("fout:")


def shown(store: Store, reference: str) -> str:
    from monitor.review_view import print_review_show

    with wide_capture() as captured:
        print_review_show(store, reference, "Europe/Amsterdam")
    return captured.get()


def test_review_show_gives_labels_local_time_and_never_nan(tmp_path: Path) -> None:
    _, store = make_store(tmp_path)
    base = datetime(2026, 11, 16, 9, tzinfo=UTC)
    with store.transaction() as tx:
        tx.add_posts([post_row(n, "zilvermeer-almere", f"Bericht {n}", base, url=url)
                      for n, url in ((7, "javascript:alert(1)"), (8, None))])
    text = shown(store, post_ref("rss:2"))
    assert "16-11-2026 12:00" in text, "12:00 in Dutch time (11:00 UTC)"
    assert "UTC" not in text and "nan" not in text
    assert "Beoordeling: veiligheidssignaal (vraagt aandacht)" in text
    assert "Sentiment: negatief (score 0,90)" in text
    assert "pesten (gemeld, score 0,90): “pesten.direct: wordt gepest”" in text
    assert "Link: https://e.example/2" in text and "Status: nog niet besproken." in text
    refused = shown(store, post_ref("rss:7"))
    assert "Link: (geen veilige link)" in refused and "nog niet beoordeeld" in refused and "nan" not in refused
    assert "Link: (geen link)" in shown(store, post_ref("rss:8"))
