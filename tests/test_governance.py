"""The governance pack: Dutch drafts for the privacy officer, generated from the actual config."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import Config, load_config
from monitor.governance import DOCUMENTS, DRAFT_MARK, clean, render
from tests.factories import example_config


def changed(tmp_path: Path, **replacements: str) -> Config:
    config = example_config(tmp_path)
    assert config.path is not None
    text = config.path.read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    config.path.write_text(text)
    return load_config(config.path)


def test_privacy_docs_writes_four_marked_drafts(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    out = tmp_path / "docs"
    result = CliRunner().invoke(app, ["privacy-docs", "--out", str(out), "--config", str(config.path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(DOCUMENTS)
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert text.startswith(f"> **{DRAFT_MARK}**"), path.name
        assert "functionaris gegevensbescherming" in text
    assert "laat ze toetsen" in result.output


def test_documents_follow_the_config(tmp_path: Path) -> None:
    config = changed(
        tmp_path,
        **{"raw_retention_days = 14": "raw_retention_days = 7",
           "post_retention_weeks = 26": "post_retention_weeks = 13",
           'type = "rss"\nurl = "https://www.omroeprandstadregio.example/rss/nieuws.xml"':
           'type = "reddit"\nsubreddits = ["thenetherlands"]'},
    )
    docs = render(config, today=date(2026, 11, 20))
    dpia, register, notice, council = (docs[name] for name in DOCUMENTS)
    assert "7 dagen" in dpia and "13 weken" in dpia and "13 weken" in notice and "13 weken" in council
    assert "ruwe gegevens 7 dagen; berichten 13 weken" in register
    for name in ("IKC De Regenboog", "Zilvermeer College"):
        assert name in dpia and name in register and name in notice
    assert "Reddit" in dpia and "Reddit" in notice and "`regionieuws`" in dpia
    assert "Scholen (2)" in dpia and "2026-11-20" in dpia
    assert "1 digestontvanger(s), 1 veiligheidscontactperso(o)n(en)" in register
    everything = "\n".join(docs.values())
    assert "@regenboog.example" not in everything, "recipients are counted, never listed"
    assert "niet uw naam of accountnaam" in notice


def test_documents_say_so_when_pseudonymisation_is_off(tmp_path: Path) -> None:
    config = changed(tmp_path, **{"pseudonymise_authors = true": "pseudonymise_authors = false",
                                  "keep_handles_for_safety = false": "keep_handles_for_safety = true"})
    docs = render(config)
    assert "pseudonimiseren staat **uit**" in docs["dpia.md"]
    assert "accountnaam auteur" in docs["verwerkingsregister.md"]
    assert "keep_handles_for_safety" in docs["dpia.md"]
    assert "niet uw naam" not in docs["privacyverklaring.md"]


def test_control_and_bidi_characters_in_config_strings_are_stripped(tmp_path: Path) -> None:
    hostile = 'name = "IKC De\\u202e Regen\\u0007boog\\u200b\\n# kop"'
    config = changed(tmp_path, **{'name = "IKC De Regenboog"': hostile})
    text = "\n".join(render(config).values())
    assert "IKC De Regenboog # kop" in text
    for bad in ("\u202e", "\u0007", "\u200b"):
        assert bad not in text
    assert clean("a\x00b\u2066c\td") == "abc d"


def test_the_drafts_name_the_manual_import_and_what_it_may_hold(tmp_path: Path) -> None:
    """'monitor import' takes posts from WhatsApp and closed Facebook groups: the drafts must not deny it."""
    docs = render(example_config(tmp_path))
    for name in ("privacyverklaring.md", "mr-notitie.md"):
        assert "WhatsApp" in docs[name] and "besloten Facebook-groep" in docs[name], name
        assert "Besloten groepen en privéberichten lezen we niet" not in docs[name]
