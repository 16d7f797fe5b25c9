"""One definition of "needs action" and "open" (monitor.attention): every post of the week is listed exactly once in
the digests, the counts add up, and the digest, board digest, dashboard, review list and status count the same."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from monitor.attention import DISCUSS, GOOD, INACCURACY, OTHER, SAFETY, judge, kinds, open_posts
from monitor.digest import run_digests
from monitor.digest.build import gather, read_shared
from monitor.review import mark, post_ref, review_list
from tests.digest_helpers import REGENBOOG, W47, ZILVERMEER, item, seed_items, setup
from tests.factories import wide_capture

BOARD = '[digest.board]\nname = "Stichting Test"\nrecipients = ["bestuur@stichting.example"]\n'


def signal(pair: tuple[dict[str, Any], dict[str, Any]], possible: tuple[str, ...] = (),
           probabilities: dict[str, float] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``item(...)`` with *mogelijk* safety categories (score between the two thresholds) or other probabilities."""
    post, label = pair
    categories = json.loads(label["categories"])
    for name in possible:
        categories[name] = {"score": 0.42, "flagged": False, "possible": True, "evidence": []}
    label = {**label, "categories": json.dumps(categories)}
    if probabilities is not None:
        label["probabilities"] = json.dumps(probabilities)
    return post, label


def varied_week() -> list[Any]:
    """Ten posts of every kind for the Regenboog in W47, one of another school and one of the week before."""
    return [
        item(1, REGENBOOG, "Ik weet waar die juf woont", "negatief", ("bedreiging", "pesten", "ervaring")),
        signal(item(2, REGENBOOG, "Ik weet waar de mentor woont. Pas maar op.", "onzeker"), ("bedreiging",)),
        item(3, REGENBOOG, "Top juf, bel haar op 06-12345678", "positief", ("compliment", "persoonsgegevens")),
        item(4, REGENBOOG, "Alweer lesuitval, en de school sluit in januari", "negatief",
             ("ervaring", "onjuistheid"), evidence=("onjuistheid.sluiting: sluit in januari",)),
        item(5, REGENBOOG, "Wat een chaos bij het ophalen", "negatief", ("ervaring",)),
        item(6, REGENBOOG, "Mooie musical!", "positief", ("compliment",)),
        item(7, REGENBOOG, "Schoolfoto's zijn binnen", "neutraal"),
        signal(item(8, REGENBOOG, "Hmm, weer een studiedag", "onzeker"),
               probabilities={"negatief": 0.4, "neutraal": 0.35, "positief": 0.25}),
        (item(9, REGENBOOG, "Nog niet gescoord", "neutraal")[0], None),
        signal(item(10, REGENBOOG, "Geen idee of dit klopt met het rooster", "onzeker", ("ervaring",)),
               probabilities={"negatief": 0.45, "neutraal": 0.3, "positief": 0.25}),
        item(11, ZILVERMEER, "Zilvermeer in de krant", "neutraal"),
        item(12, REGENBOOG, "Vorige week: boze ouders", "negatief", days=-7),
    ]


def test_the_kinds() -> None:
    def kind(sentiment: str | None, flagged: dict[str, Any], probabilities: dict[str, float] | None = None) -> str:
        return judge(sentiment, json.dumps(probabilities or {}), json.dumps(flagged)).kind

    flag = {"score": 0.9, "flagged": True}
    assert kind("negatief", {"onjuistheid": flag, "ervaring": flag}) == INACCURACY, "one section: the fact"
    assert kind("negatief", {"compliment": flag}) == DISCUSS
    assert kind("positief", {"compliment": flag, "persoonsgegevens": flag}) == SAFETY
    assert kind("neutraal", {"pesten": {"score": 0.4, "possible": True}}) == SAFETY
    assert kind("neutraal", {"compliment": {"score": 0.4, "possible": True}}) == OTHER, "mogelijk: safety only"
    assert kind("onzeker", {"ervaring": flag}, {"negatief": 0.5, "positief": 0.2}) == DISCUSS
    assert kind("onzeker", {"ervaring": flag}, {"negatief": 0.2, "positief": 0.5}) == OTHER
    assert kind("onzeker", {}) == OTHER and kind("neutraal", {}) == OTHER and kind(None, {}) == OTHER
    assert kind("positief", {}) == GOOD and kind("neutraal", {"compliment": flag}) == GOOD


def test_the_fast_path_agrees_with_judge() -> None:
    labels = pd.DataFrame([label for _, label in varied_week() if label is not None])
    fast = dict(zip(kinds(labels)["post_key"], kinds(labels)["kind"], strict=True))
    slow = {row["post_key"]: judge(row["sentiment"], row["probabilities"], row["categories"]).kind
            for row in labels.to_dict("records")}
    assert fast == slow


def test_every_post_of_the_week_is_listed_exactly_once_and_the_counts_add_up(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    seed_items(store, varied_week())
    main, safety = run_digests(config, store, week=W47, school_id=REGENBOOG)
    main_text = main.html_path.with_suffix(".txt").read_text(encoding="utf-8")
    main_html = main.html_path.read_text(encoding="utf-8")
    safety_text = safety.html_path.with_suffix(".txt").read_text(encoding="utf-8")
    safety_html = safety.html_path.read_text(encoding="utf-8")
    week = store.read_posts(school_id=REGENBOOG, weeks=[W47], columns=["post_key"])["post_key"].tolist()
    assert len(week) == 10
    for key in week:
        ref = post_ref(key)
        places = (main_text.count(f"kenmerk {ref}"), safety_text.count(f"kenmerk {ref}"))
        assert sum(places) == 1, (key, places)
        assert main_html.count(ref) + safety_html.count(ref) == 1, key
    assert post_ref("rss:12") not in main_text.split("6. Open punten")[0], "last week's post is only an open item"
    line = re.search(r"Deze week (\d+) berichten: (.*)\.\n", main_text)
    assert line, main_text[:800]
    assert line.group(0) == ("Deze week 10 berichten: 3 in het veiligheidsoverzicht, 2 om te bespreken, "
                             "1 onjuistheid, 1 goed nieuws, 3 overige berichten.\n")
    assert sum(int(n) for n in re.findall(r"(\d+) ", line.group(2))) == int(line.group(1))
    assert line.group(0).strip() in main_html
    data = gather(config, store, config.school(REGENBOOG), W47, read_shared(store, W47, 4))
    assert data.sections.total == data.current.total == 10
    other = main_text.split("8. Overige berichten", 1)[1]
    assert "[CONTROLEER]" in other and "[NOG NIET BEOORDEELD]" in other and "Schoolfoto's" in other
    assert "Ik weet waar" not in main_text and "06-12345678" not in main_text, "safety texts stay out"


def test_a_possible_signal_is_in_the_safety_digest_as_mogelijk(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    seed_items(store, varied_week())
    data = gather(config, store, config.school(REGENBOOG), W47, read_shared(store, W47, 4))
    safety = {i.post_key: (i.group, i.possible) for i in data.sections.safety}
    assert safety == {"rss:1": ("bedreiging", False), "rss:2": ("bedreiging", True),
                      "rss:3": ("persoonsgegevens", False)}
    text = run_digests(config, store, week=W47, school_id=REGENBOOG)[1].html_path.with_suffix(".txt")
    content = text.read_text(encoding="utf-8")
    mentor = content.split("Ik weet waar de mentor woont", 1)[0].rsplit("- [kenmerk", 1)[1]
    assert "[MOGELIJK]" in mentor


@pytest.fixture
def marked_store(tmp_path: Path) -> Any:
    config, store = setup(tmp_path, BOARD)
    seed_items(store, [
        *varied_week(),
        item(20, REGENBOOG, "Drie weken terug: uitval", "negatief", ("ervaring",), days=-21),
        item(21, REGENBOOG, "Heel oud: pestsignaal", "negatief", ("pesten",), days=-7 * 8),
        item(22, REGENBOOG, "Al besproken klacht", "negatief", days=-7),
        item(23, REGENBOOG, "Gemarkeerd compliment", "positief", ("compliment",), days=-7),
        item(24, ZILVERMEER, "Zilvermeer: leraren weg", "negatief", days=-14),
        item(25, ZILVERMEER, "Zilvermeer: onjuist bericht", "neutraal", ("onjuistheid",)),
    ])
    mark(store, post_ref("rss:22"), "besproken", actor="test")
    mark(store, post_ref("rss:23"), "besproken", actor="test")
    mark(store, post_ref("rss:5"), "geen-actie", actor="test")
    return config, store


def test_open_counts_match_across_digest_board_dashboard_review_list_and_status(marked_store: Any) -> None:
    from dashboards.build import write_dashboard
    from monitor.report import print_status
    from tests.test_dashboard import NOW, page_data

    config, store = marked_store
    # Regenboog: this week 1, 2, 3 (safety), 4 (inaccuracy) and 10 (uncertain, leaning negative, an experience);
    # earlier 12, 20 and 21 (older than the 4 history weeks, still open). 5 and 22 were marked; 6, 7, 8, 9 and the
    # marked compliment 23 need no action. Zilvermeer: 24 and 25 (11 is neutral).
    expected = {REGENBOOG: {"rss:1", "rss:2", "rss:3", "rss:4", "rss:10", "rss:12", "rss:20", "rss:21"},
                ZILVERMEER: {"rss:24", "rss:25"}}
    shared = read_shared(store, W47, 4)
    digest = {s.id: gather(config, store, s, W47, shared) for s in config.schools}
    listed = {s: set(review_list(store, s)["post_key"]) for s in expected}
    assert listed == expected
    assert {s: d.open_total for s, d in digest.items()} == {s: len(keys) for s, keys in expected.items()}
    assert digest[REGENBOOG].open_now == 5
    run_digests(config, store, week=W47)
    board = (config.data_dir / "digests" / W47 / "bestuur.txt").read_text(encoding="utf-8")
    assert re.findall(r"open punten: (\d+)", board) == ["8", "2"]
    main = (config.data_dir / "digests" / W47 / f"{REGENBOOG}.txt").read_text(encoding="utf-8")
    assert "In totaal staan 8 berichten open (ze vragen aandacht en zijn nog niet afgehandeld): 5 van deze week " \
           "en 3 uit eerdere weken." in main
    data = page_data(write_dashboard(config, store, now=NOW))
    assert data["openItems"] == [8, 2]
    assert data["safetyOpen"] == [3, 0], "this week's 1, 2 (mogelijk) and 3; 21 is older than the 4-week window"
    with wide_capture() as captured:
        print_status(config, store)
    rows = {line.split("│")[1].strip(): line.split("│")[2:5] for line in captured.get().splitlines()
            if line.count("│") >= 5 and ("Regenboog" in line or "Zilvermeer" in line)}
    assert [n.strip() for n in rows["IKC De Regenboog"]] == ["15", "8", "4"]
    assert [n.strip() for n in rows["Zilvermeer College"]][1:] == ["2", "0"]
    opened = open_posts(store, until_week=W47)
    assert set(opened["post_key"]) == expected[REGENBOOG] | expected[ZILVERMEER]


def test_review_list_all_shows_every_post(marked_store: Any) -> None:
    _, store = marked_store
    everything = review_list(store, REGENBOOG, everything=True)
    assert len(everything) == 15
    row = everything.set_index("post_key").loc["rss:2"]
    assert (row["sentiment"], row["kind"], row["categories"]) == ("onzeker", SAFETY, ["bedreiging (mogelijk)"])
    assert everything.set_index("post_key").loc["rss:9", "sentiment"] == ""
    assert everything["created_at"].iloc[0] - everything["created_at"].iloc[-1] > timedelta(weeks=7), "newest first"


def _random_label(rng: Any) -> tuple[Any, str, str]:
    """A label as the writer makes it, or one of the ways an old or foreign label can differ."""
    names = ["bedreiging", "pesten", "kleineren", "ervaring", "compliment", "onjuistheid", "beeldmateriaal",
             "persoonsgegevens", "seksuele_intimidatie", "nieuw_van_ander_model"]
    categories: dict[str, Any] = {}
    for name in rng.sample(names, rng.randint(0, len(names))):
        entry: dict[str, Any] = {"score": round(rng.random(), 3), "flagged": rng.random() < 0.3,
                                 "evidence": rng.choice([[], ["woord: \"flagged\": true"], ["a", "b"]])}
        if rng.random() < 0.7:
            entry["possible"] = rng.random() < 0.2
        if rng.random() < 0.05:
            del entry["flagged"]
        categories[name] = entry
    probabilities = json.dumps({"negatief": rng.random(), "neutraal": rng.random(), "positief": rng.random()})
    sentiment = rng.choice(["negatief", "neutraal", "positief", "onzeker", "onzeker", None, ""])
    return sentiment, probabilities, json.dumps(categories, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("odd", ["", "[1, 2]", '{"pesten": 0.9, "flagged": true}',
                                 '{"pesten": {"flagged": true, "possible": 1}}', '{"x": {"flagged": true}}\n',
                                 "niet eens json \"flagged\": true"])
def test_kinds_read_at_once_equal_judging_each_label(odd: str) -> None:
    """The column-at-once path (monitor.label_flags) gives exactly judge()'s kinds and flags, and a label it
    cannot read that way makes the whole call fall back to judge(), with the same answer."""
    import random

    rng = random.Random(7)
    rows = [_random_label(rng) for _ in range(400)]
    if odd:
        rows[17] = ("negatief", "{}", odd)
    frame = pd.DataFrame({"post_key": [f"p{i}" for i in range(len(rows))], "sentiment": [r[0] for r in rows],
                          "probabilities": [r[1] for r in rows], "categories": [r[2] for r in rows],
                          "scored_at": pd.Timestamp("2026-11-20", tz="UTC")})
    found = kinds(frame)
    for (sentiment, probabilities, categories), kind, flagged in zip(rows, found["kind"], found["flagged"],
                                                                      strict=True):
        verdict = judge(sentiment, probabilities, categories)
        assert (kind, sorted(flagged)) == (verdict.kind, sorted(verdict.flagged)), categories
    assert set(found["kind"]) >= {SAFETY, DISCUSS, GOOD, OTHER, INACCURACY}


def test_week_kinds_judges_a_week_again_only_when_its_labels_changed(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import monitor.attention as attention

    _, store = setup(tmp_path)
    seed_items(store, [item(1, REGENBOOG, "Slecht geregeld", "negatief"),
                       item(2, REGENBOOG, "Oude klacht", "negatief", days=-7)])
    judged: list[int] = []
    original = attention.kinds

    def counting(labels: pd.DataFrame) -> pd.DataFrame:
        judged.append(len(labels))
        return original(labels)

    monkeypatch.setattr(attention, "kinds", counting)
    weeks = store.post_weeks()
    first = attention.week_kinds(store, weeks)
    assert judged == [1, 1] and set(first["kind"]) == {DISCUSS}
    assert attention.week_kinds(store, weeks).equals(first) and judged == [1, 1]  # nothing changed: nothing judged
    seed_items(store, [item(3, REGENBOOG, "Gepest in de pauze", "negatief", ("pesten",))])
    judged.clear()  # (seeding refreshed the weekly aggregates, which judge too)
    again = attention.week_kinds(store, weeks)
    assert judged == [2], "only the week with a new label is judged again"
    assert dict(zip(again["post_key"], again["kind"], strict=True))[item(3, REGENBOOG, "x", "negatief")[0]
                                                                    ["post_key"]] == SAFETY
