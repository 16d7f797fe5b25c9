"""models.sources: converters, caps, held-out exclusion, atomic output, missing and broken sources.

Uses only the tiny invented work trees in tests/data/sources/ (no network, no git)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from models.heads import CATEGORIES, SENTIMENTS
from models.sources import SOURCES, prepare
from models.sources.base import ALL4, Record, rec
from models.sources.finish import cap_stratified, write_jsonl
from models.sources.sentiment import emotions_to_sentiment

FIXTURES = Path(__file__).parent / "data" / "sources"
HELDOUT = FIXTURES / "heldout.csv"
# The hand-labelled real Dutch rows are read against the real labels file (tests/test_real_nl.py); these small
# fixture clones hold only the public data sets.
BY_NAME = {s.name: s for s in SOURCES if not s.name.endswith("_hand")}


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], list[str]]:
    out = tmp_path_factory.mktemp("out")
    messages: list[str] = []
    counts = prepare(FIXTURES, out, say=messages.append, exclude=[HELDOUT], sources=tuple(BY_NAME.values()))
    return out, counts, messages


def rows_of(converted: tuple[Path, dict[str, int], list[str]], name: str) -> list[dict[str, Any]]:
    return read(converted[0] / f"{name}.jsonl")


def by_text(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["text"]): r for r in rows}


def test_every_source_converted_with_valid_rows(converted: tuple[Path, dict[str, int], list[str]]) -> None:
    out, counts, messages = converted
    assert set(counts) == set(BY_NAME)
    assert not [m for m in messages if "overgeslagen" in m]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.jsonl" for name in BY_NAME)  # no tmp files left
    for name, count in counts.items():
        rows = rows_of(converted, name)
        assert len(rows) == count > 0
        for row in rows:
            assert set(row) <= {"text", "lang", "sentiment", "categories", "source", "split", "cat_scope"}
            assert row["sentiment"] is None or row["sentiment"] in SENTIMENTS
            assert row["categories"] is None or set(row["categories"]) <= set(CATEGORIES)
            assert row["split"] in ("train", "dev", "test")


def test_xlmt_mapping_keeps_duplicates(converted: tuple[Path, dict[str, int], list[str]]) -> None:
    rows = rows_of(converted, "xlm-t")
    assert len(rows) == 8 * 3 * 2 + 2  # blank line skipped, the repeated tweet kept (xlm-t is not de-duplicated)
    first = by_text(rows)["german val tweet one"]
    assert first == {"text": "german val tweet one", "lang": "de", "sentiment": "neutraal", "categories": None,
                     "source": "xlm-t-umsab", "split": "dev"}
    assert by_text(rows)["arabic test tweet two"]["sentiment"] == "negatief"
    assert by_text(rows)["Same tweet twice"]["sentiment"] == "positief"


def test_pattern_bol_dedupe_and_heldout(converted: tuple[Path, dict[str, int], list[str]]) -> None:
    rows = rows_of(converted, "pattern_bol_nl")
    assert [(r["text"], r["sentiment"]) for r in rows] == [
        ("Saai boek. Ik viel steeds in slaap.", "negatief"),
        ("Prachtig verhaal. Echt een aanrader, lees het!", "positief"),
    ]  # the case/space variant is a duplicate; the held-out review is dropped


def test_xed_mapping_and_translation_block(converted: tuple[Path, dict[str, int], list[str]]) -> None:
    nl = {r["text"]: r["sentiment"] for r in rows_of(converted, "xed_nl")}
    assert nl == {"Ik maak je af.": "negatief", "Wat een heerlijke dag.": "positief", "Het is dinsdag.": "neutraal"}
    en = {r["text"]: r["sentiment"] for r in rows_of(converted, "xed_en")}
    assert en == {"I will end you.": "negatief", "What a lovely day.": "positief", "It is Tuesday.": "neutraal",
                  "The bus leaves at six.": "neutraal"}  # aligned to a held-out Dutch line -> dropped


@pytest.mark.parametrize(
    ("labels", "expected"),
    [("0", "neutraal"), ("9", "neutraal"), ("1, 3", "negatief"), ("5,8", "positief"), ("1,5", None), ("2,7", None)],
)
def test_emotions_to_sentiment(labels: str, expected: str | None) -> None:
    assert emotions_to_sentiment(labels) == expected


def test_offensive_mappings(converted: tuple[Path, dict[str, int], list[str]]) -> None:
    off = by_text(rows_of(converted, "tweeteval_offensive"))
    assert off["you are a clown @user (val)"]["categories"] == ["kleineren"]
    assert off["you are a clown @user (val)"]["cat_scope"] == ["kleineren"]
    assert off["you are a clown @user (val)"]["split"] == "dev"
    assert off["nice weather today (test)"]["categories"] == []
    assert off["nice weather today (test)"]["cat_scope"] == ALL4
    hate = by_text(rows_of(converted, "tweeteval_hate"))
    assert hate["what a shitty game (train)"]["categories"] is None
    assert hate["what a shitty game (train)"]["cat_scope"] == ["kleineren"]
    ge = by_text(rows_of(converted, "germeval2018"))
    assert set(ge) == {"Du bist ein Depp\necht jetzt", "Scheiße, der Zug ist weg", "Schönes Wetter heute",
                       "Diese Leute sind Abschaum"}
    assert ge["Diese Leute sind Abschaum"]["categories"] == ["kleineren"]
    assert ge["Diese Leute sind Abschaum"]["split"] == "test"
    assert ge["Scheiße, der Zug ist weg"]["categories"] == []
    da = by_text(rows_of(converted, "offenseval2020_da"))
    assert {t: r["categories"] for t, r in da.items()} == {"Du er en idiot": ["kleineren"], "Godt vejr i dag": [],
                                                           "Hold din kæft": ["kleineren"]}
    assert {r["source"] for r in da.values()} == {"offenseval2020-da"}
    ar = by_text(rows_of(converted, "offenseval2020_ar"))
    assert ar["أنت غبي\nجدا"]["categories"] == ["kleineren"]
    assert {r["lang"] for r in rows_of(converted, "offenseval2020_tr")} == {"tr"}
    eth = by_text(rows_of(converted, "ethos"))
    assert eth["These people should be shot"]["categories"] == ["kleineren", "bedreiging"]
    assert eth["These people are stupid"]["categories"] == ["kleineren"]


def test_threat_sexism_bullying_mappings(converted: tuple[Path, dict[str, int], list[str]]) -> None:
    vio = by_text(rows_of(converted, "germeval2026_vio"))
    assert [(r["categories"], r["cat_scope"]) for r in vio.values()] == [
        (["bedreiging"], ["bedreiging"]), (["bedreiging"], ["bedreiging"]), (None, ["bedreiging"]), (None, []),
    ]
    edos = by_text(rows_of(converted, "edos"))
    assert edos["I will hurt her"]["categories"] == ["bedreiging"]
    assert edos["She is just a piece of meat"]["categories"] == ["kleineren", "seksuele_intimidatie"]
    assert edos["She is just a piece of meat"]["split"] == "dev"
    assert edos["Women cannot drive"]["categories"] == ["kleineren"]
    assert edos["The game starts at eight"]["categories"] is None
    assert edos["The game starts at eight"]["cat_scope"] == ["seksuele_intimidatie"]
    fs = by_text(rows_of(converted, "formspring"))
    assert fs["what's your favourite colour?\nblue"]["categories"] is None
    assert fs["you are so ugly nobody likes you\nwhatever"]["categories"] == ["pesten"]
    assert fs["lol\nhi"]["categories"] is None  # one "Yes" of three is not bullying
    assert {tuple(r["cat_scope"]) for r in fs.values()} == {("pesten",)}


def test_registry_caps_and_commits() -> None:
    assert BY_NAME["xlm-t"].cap is None and not BY_NAME["xlm-t"].dedupe
    assert {s.cap for s in SOURCES if s.name != "xlm-t"} == {15_000}
    assert all(len(s.commit) == 40 for s in SOURCES)
    assert BY_NAME["formspring"].commit == "c562dc914642b1fd43126455e1905337d34f28b2"


def _rows(label: str | None, n: int) -> list[Record]:
    return [rec(f"{label} {i}", "en", None, [label] if label else None, "x", "train") for i in range(n)]


def test_cap_is_stratified_and_fixed() -> None:
    rows = _rows("bedreiging", 3) + _rows("kleineren", 40) + _rows(None, 100)
    capped = cap_stratified(rows, 21)
    assert len(capped) == 21
    counts = {label: sum(1 for r in capped if r["categories"] == ([label] if label else None))
              for label in ("bedreiging", "kleineren", None)}
    assert counts == {"bedreiging": 3, "kleineren": 9, None: 9}  # the small group is kept whole
    assert cap_stratified(rows, 21) == capped  # seed 13: the same sample every time
    assert cap_stratified(rows, 500) == rows


def test_cap_applied_by_prepare(tmp_path: Path) -> None:
    source = replace(BY_NAME["tweeteval_offensive"], cap=4)
    counts = prepare(FIXTURES, tmp_path, sources=[source])
    rows = read(tmp_path / "tweeteval_offensive.jsonl")
    assert counts == {"tweeteval_offensive": 4}
    assert sum(1 for r in rows if r["categories"]) == 2


def test_without_exclude_heldout_texts_stay(tmp_path: Path) -> None:
    prepare(FIXTURES, tmp_path, sources=[BY_NAME["pattern_bol_nl"], BY_NAME["xed_en"]])
    assert "Dit boek staat in de testset. Niet trainen." in by_text(read(tmp_path / "pattern_bol_nl.jsonl"))
    assert "This line is the translation of a held-out line." in by_text(read(tmp_path / "xed_en.jsonl"))


def test_write_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "x.jsonl"
    target.write_text("old\n", encoding="utf-8")

    def rows() -> Iterator[Record]:
        yield rec("a", "en", None, None, "x", "train")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_jsonl(target, rows())
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.jsonl"]
    assert write_jsonl(target, [rec(" b ", "en", None, None, "x", "train")]) == 1
    assert read(target) == [{"text": "b", "lang": "en", "sentiment": None, "categories": None, "source": "x",
                             "split": "train"}]


def test_missing_clone_reported_others_converted(tmp_path: Path) -> None:
    clones = tmp_path / "clones"
    shutil.copytree(FIXTURES / "rewire-online+edos", clones / "rewire-online+edos")
    messages: list[str] = []
    counts = prepare(clones, tmp_path / "out", say=messages.append)
    assert counts == {"edos": 4}
    missing = [m for m in messages if m.startswith("bron xlm-t overgeslagen")]
    assert len(missing) == 1
    assert str(clones / "cardiffnlp+xlm-t") in missing[0]
    assert "clone https://github.com/cardiffnlp/xlm-t en zet commit 874214d64d96599eb869a033c22ec2cc57d19256 uit" in (
        missing[0]
    )
    assert sum("overgeslagen" in m for m in messages) == len(SOURCES) - 1


def test_broken_source_fails_alone(tmp_path: Path) -> None:
    clones = tmp_path / "clones"
    shutil.copytree(FIXTURES, clones)
    (clones / "cardiffnlp+xlm-t/data/sentiment/hindi/val_labels.txt").write_text("0\n1\n2\n", encoding="utf-8")
    (clones / "rewire-online+edos/data/edos_labelled_aggregated.csv").write_text("id,body\n1,hello\n", encoding="utf-8")
    (clones / "clips+pattern/test/corpora/polarity-nl-bol.com.csv").unlink()
    out = tmp_path / "out"
    out.mkdir()
    (out / "edos.jsonl").write_text("previous\n", encoding="utf-8")
    messages: list[str] = []
    counts = prepare(clones, out, say=messages.append, exclude=[HELDOUT], sources=tuple(BY_NAME.values()))
    assert set(BY_NAME) - set(counts) == {"xlm-t", "edos", "pattern_bol_nl"}
    failed = {m.split()[1]: m for m in messages if "overgeslagen" in m}
    assert set(failed) == {"xlm-t", "edos", "pattern_bol_nl"}
    assert "3 labels" in failed["xlm-t"]
    assert "label_sexist" in failed["edos"]
    assert "polarity-nl-bol.com.csv ontbreekt" in failed["pattern_bol_nl"]
    assert (out / "edos.jsonl").read_text(encoding="utf-8") == "previous\n"  # left untouched


def test_other_commit_is_warned(tmp_path: Path) -> None:
    clones = tmp_path / "clones"
    shutil.copytree(FIXTURES / "rewire-online+edos", clones / "rewire-online+edos")
    git = clones / "rewire-online+edos" / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (git / "refs" / "heads" / "main").write_text("0" * 40 + "\n", encoding="utf-8")
    messages: list[str] = []
    assert prepare(clones, tmp_path / "out", say=messages.append, sources=[BY_NAME["edos"]]) == {"edos": 4}
    assert any("staat op commit " + "0" * 40 in m for m in messages)
