"""Loading monitor.toml: good files load, every bad file gives one ConfigError that names the file, the key path,
what was found and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.rss import RssSettings
from monitor.config import ENV_CONFIG, ENV_DATA_DIR, Config, SecretRef, config_path, load_config
from monitor.config_errors import describe_found, key_path
from monitor.errors import ConfigError, MonitorError, SecretMissingError
from monitor.setup import example_config_text

REGENBOOG = """
[[schools]]
id = "regenboog-zoetermeer"
name = "IKC De Regenboog"
town = "Zoetermeer"
"""

ZILVERMEER = """
[[schools]]
id = "zilvermeer-almere"
name = "Zilvermeer College"
town = "Almere"
"""

TWO_SCHOOLS = REGENBOOG + ZILVERMEER

RSS_SOURCE = """
[[sources]]
name = "regionieuws"
type = "rss"
url = "https://www.omroeprandstadregio.example/rss/nieuws.xml"
"""


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (ENV_CONFIG, ENV_DATA_DIR, "MONITOR_PSEUDONYM_KEY", "SCHOOL_MONITOR_TEST_SECRET"):
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, text: str, name: str = "monitor.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


# --- bad files ----------------------------------------------------------------------------------------------------

# (id, file text, key path, what was found, what was expected)
BAD_CONFIGS = [
    pytest.param(
        'data_dir = "monitor-data"\n',
        "schools",
        "ontbreekt",
        "verplicht",
        id="missing-schools",
    ),
    pytest.param(
        "schools = []\n",
        "schools",
        "[] (lijst)",
        "minstens 1 element",
        id="empty-schools",
    ),
    pytest.param(
        'schools = "regenboog-zoetermeer"\n',
        "schools",
        "'regenboog-zoetermeer' (tekst)",
        "een lijst",
        id="schools-not-a-list",
    ),
    pytest.param(
        'colour = "rood"\n' + REGENBOOG,
        "colour",
        "onbekende sleutel",
        "controleer de spelling",
        id="unknown-top-level-key",
    ),
    pytest.param(
        REGENBOOG + 'colour = "rood"\n',
        "schools[0].colour",
        "onbekende sleutel",
        "controleer de spelling",
        id="unknown-school-key",
    ),
    pytest.param(
        TWO_SCHOOLS + 'aliases = "De Regenboog"\n',
        "schools[1].aliases",
        "'De Regenboog' (tekst)",
        'een lijst, bijvoorbeeld ["a", "b"]',
        id="aliases-string-not-list",
    ),
    pytest.param(
        '[[schools]]\nid = "Regenboog Zoetermeer"\nname = "IKC De Regenboog"\n',
        "schools[0].id",
        "'Regenboog Zoetermeer' (tekst)",
        "kleine letters, cijfers en streepjes",
        id="bad-school-id",
    ),
    pytest.param(
        REGENBOOG + 'brin = "12ab"\n',
        "schools[0].brin",
        "'12ab' (tekst)",
        "BRIN-code zoals '12AB'",
        id="bad-brin",
    ),
    pytest.param(
        REGENBOOG + 'handles = ["@ikc de regenboog"]\n',
        "schools[0].handles",
        "'@ikc de regenboog'",
        "@schoolnaam",
        id="bad-handle",
    ),
    pytest.param(
        REGENBOOG + 'aliases = ["R"]\n',
        "schools[0].aliases",
        "['R']",
        "minstens 2 tekens",
        id="alias-too-short",
    ),
    pytest.param(
        REGENBOOG + '\n[[schools]]\nid = "regenboog-zoetermeer"\nname = "OBS De Regenboog"\n',
        "schools[1].id",
        "'regenboog-zoetermeer' komt vaker voor",
        "uniek",
        id="duplicate-school-id",
    ),
    pytest.param(
        '[privacy]\npseudonym_key = "abc"\n' + REGENBOOG,
        "privacy.pseudonym_key",
        "'abc' (tekst)",
        "{ env = ",
        id="literal-secret",
    ),
    pytest.param(
        '[privacy]\npseudonym_key = { env = "1-sleutel" }\n' + REGENBOOG,
        "privacy.pseudonym_key.env",
        "'1-sleutel' (tekst)",
        "naam van een omgevingsvariabele",
        id="bad-secret-env-name",
    ),
    pytest.param(
        '[privacy]\npseudonymise_authors = "ja"\n' + REGENBOOG,
        "privacy.pseudonymise_authors",
        "'ja' (tekst)",
        "true of false",
        id="bool-as-text",
    ),
    pytest.param(
        'timezone = "Europe/Zoetermeer"\n' + REGENBOOG,
        "timezone",
        "'Europe/Zoetermeer'",
        "Europe/Amsterdam",
        id="bad-timezone",
    ),
    pytest.param(
        'language = "de"\n' + REGENBOOG,
        "language",
        "'de' (tekst)",
        "'nl'",
        id="bad-language",
    ),
    pytest.param(
        "data_dir = 5\n" + REGENBOOG,
        "data_dir",
        "5 (getal)",
        "een pad",
        id="data-dir-not-text",
    ),
    pytest.param(
        REGENBOOG + '\n[[sources]]\nname = "x"\ntype = "twitter"\n',
        "sources[0].type",
        "'twitter'",
        "bekende typen: bluesky, google-alerts, google-news, manual, mastodon, mastodon-rss, reddit, rss, x, youtube",
        id="unknown-source-type",
    ),
    pytest.param(
        REGENBOOG + RSS_SOURCE + 'colour = "rood"\n',
        "sources[0].colour",
        "onbekende sleutel",
        "controleer de spelling",
        id="unknown-connector-setting",
    ),
    pytest.param(
        REGENBOOG + '\n[[sources]]\nname = "regionieuws"\ntype = "rss"\n',
        "sources[0].url",
        "ontbreekt",
        "verplicht",
        id="rss-without-url",
    ),
    pytest.param(
        REGENBOOG + '\n[[sources]]\nname = "regionieuws"\ntype = "rss"\nurl = "ftp://nieuws.example/feed"\n',
        "sources[0].url",
        "'ftp://nieuws.example/feed' (tekst)",
        "http:// of https://",
        id="rss-url-not-http",
    ),
    pytest.param(
        REGENBOOG + RSS_SOURCE + 'timeout_seconds = "dertig"\n',
        "sources[0].timeout_seconds",
        "'dertig' (tekst)",
        "een getal",
        id="connector-setting-wrong-type",
    ),
    pytest.param(
        REGENBOOG + RSS_SOURCE + "timeout_seconds = -1\n",
        "sources[0].timeout_seconds",
        "-1 (getal)",
        "een getal groter dan 0",
        id="connector-setting-out-of-range",
    ),
    pytest.param(
        REGENBOOG + RSS_SOURCE + 'timeout_seconds = "30"\n',
        "sources[0].timeout_seconds",
        "'30' (tekst)",
        "een getal zonder aanhalingstekens",
        id="connector-number-as-text",
    ),
    pytest.param(
        '[smtp]\nhost = "smtp.example"\nport = "587"\nsender = "a@b.example"\n' + REGENBOOG + RSS_SOURCE,
        "smtp.port",
        "'587' (tekst)",
        "een geheel getal zonder aanhalingstekens, bijvoorbeeld 587",
        id="port-as-text",
    ),
    pytest.param(
        '[smtp]\nhost = "smtp.example"\nport = 70000\nsender = "a@b.example"\n' + REGENBOOG + RSS_SOURCE,
        "smtp.port",
        "70000 (getal)",
        "een getal van hoogstens 65535 (toegestaan: 1 t/m 65535)",
        id="port-out-of-range-names-the-range",
    ),
    pytest.param(
        '[scheduler]\ndigest_time = "7.30"\n' + REGENBOOG + RSS_SOURCE,
        "scheduler.digest_time",
        "'7.30' (tekst)",
        'een tijd als "HH:MM", bijvoorbeeld "07:30"',
        id="digest-time-form",
    ),
    pytest.param(
        REGENBOOG + RSS_SOURCE + 'schools = ["zilvermeer-almere"]\n',
        "sources[0].schools",
        "onbekende school 'zilvermeer-almere'",
        "bekend: regenboog-zoetermeer",
        id="source-unknown-school",
    ),
    pytest.param(
        REGENBOOG + RSS_SOURCE + RSS_SOURCE,
        "sources[1].name",
        "'regionieuws' komt vaker voor",
        "uniek",
        id="duplicate-source-name",
    ),
    pytest.param(
        REGENBOOG + '\n[[sources]]\nname = "Regio Nieuws"\ntype = "rss"\nurl = "https://a.example/f.xml"\n',
        "sources[0].name",
        "'Regio Nieuws' (tekst)",
        "kleine letters, cijfers en streepjes",
        id="bad-source-name",
    ),
]


@pytest.mark.parametrize(("text", "path", "found", "expected"), BAD_CONFIGS)
def test_bad_config_names_file_key_found_and_expected(
    tmp_path: Path, text: str, path: str, found: str, expected: str
) -> None:
    file = write(tmp_path, text, name="mijn-school.toml")
    message = load_error(file)
    assert str(file) in message
    problems = [line.removeprefix("  - ") for line in message.splitlines()[1:]]
    assert len(problems) == 1, message
    # The key path starts the problem line, so the reader sees where to look first.
    assert problems[0].startswith(f"{path}: "), message
    assert found in problems[0], message
    assert expected in problems[0], message


def test_a_byte_order_mark_from_notepad_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(example_config_text(), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_config(path).schools


def test_a_config_without_sources_is_a_config_problem(tmp_path: Path) -> None:
    from monitor.pipeline import collect
    from monitor.setup import SOURCES_MARKER
    from monitor.store import Store

    config = load_config(write(tmp_path, example_config_text().split(SOURCES_MARKER)[0]))
    with pytest.raises(ConfigError, match=r"geen \(ingeschakelde\) bronnen.*\[\[sources\]\]") as info:
        collect(config, Store(config.data_dir))
    assert info.value.exit_code == 2


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    file = write(tmp_path, '[[schools]]\nid = "regenboog-zoetermeer"\nname = IKC De Regenboog\n')
    message = load_error(file)
    assert message.startswith(f"{file}: geen geldige TOML")
    assert "line 3" in message  # where the parser got stuck: the unquoted name


def test_unterminated_string_is_a_syntax_error(tmp_path: Path) -> None:
    file = write(tmp_path, 'data_dir = "monitor-data\n' + REGENBOOG)
    message = load_error(file)
    assert str(file) in message
    assert "geen geldige TOML" in message
    assert "line 1" in message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    file = tmp_path / "monitor.toml"
    file.write_bytes(b'[[schools]]\nid = "a"\nname = "Sch\xe9ol"\n')
    message = load_error(file)
    assert str(file) in message
    assert "UTF-8" in message


def test_literal_secret_says_to_use_env_reference(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, '[privacy]\npseudonym_key = "abc"\n' + REGENBOOG))
    assert "privacy.pseudonym_key" in message
    assert '{ env = "NAAM" }' in message
    assert "omgevingsvariabele" in message


def test_unknown_source_type_lists_known_types(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, REGENBOOG + '\n[[sources]]\nname = "x"\ntype = "rs"\n'))
    assert "sources[0].type" in message
    assert "'rs'" in message
    assert "rss" in message.split("bekende typen:")[1]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    file = write(tmp_path, TWO_SCHOOLS + 'brin = "x"\ncolour = "rood"\n\n[privacy]\npseudonym_key = "abc"\n')
    message = load_error(file)
    assert "3 problemen" in message.splitlines()[0]
    for path in ("schools[1].brin", "schools[1].colour", "privacy.pseudonym_key"):
        assert f"  - {path}: " in message


def test_missing_file_mentions_monitor_init(tmp_path: Path) -> None:
    missing = tmp_path / "bestaat-niet.toml"
    with pytest.raises(ConfigError) as info:
        load_config(missing)
    message = str(info.value)
    assert str(missing) in message
    assert "monitor init" in message
    assert "--config" in message
    assert ENV_CONFIG in message
    assert info.value.exit_code == 2


def test_directory_is_not_a_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="monitor init"):
        load_config(tmp_path)


def test_config_error_is_a_monitor_error_with_exit_code_2() -> None:
    assert issubclass(ConfigError, MonitorError)
    assert ConfigError.exit_code == 2
    assert issubclass(SecretMissingError, ConfigError)


# --- good files ---------------------------------------------------------------------------------------------------


def test_example_template_loads(tmp_path: Path) -> None:
    file = write(tmp_path, example_config_text())
    config = load_config(file)
    assert isinstance(config, Config)
    assert config.path == file.resolve()
    assert [s.id for s in config.schools] == ["regenboog-zoetermeer", "zilvermeer-almere"]
    regenboog = config.school("regenboog-zoetermeer")
    assert regenboog.town == "Zoetermeer"
    assert regenboog.brin == "99XA"
    assert "De Regenboog" in regenboog.aliases
    assert regenboog.handles == ["@ikcderegenboog"]
    assert regenboog.hashtags == ["#DeRegenboogZoetermeer"]
    assert "regenboogvlag" in regenboog.exclude
    assert config.language == "nl"
    assert config.timezone == "Europe/Amsterdam"
    assert config.privacy.pseudonymise_authors is True
    assert config.privacy.pseudonym_key == SecretRef(env="MONITOR_PSEUDONYM_KEY")
    assert config.data_dir == (tmp_path / "monitor-data").resolve()
    assert [s.name for s in config.sources] == ["regionieuws", "google-nieuws-zilvermeer"]
    google = config.source("google-nieuws-zilvermeer")
    assert google.type == "rss"
    assert google.schools == ["zilvermeer-almere"]
    assert isinstance(google.settings, RssSettings)
    assert google.settings.timeout_seconds == 30
    assert google.settings.max_bytes == 5_000_000
    assert str(google.settings.url).startswith("https://news.google.com/rss/search?q=")
    assert config.source("regionieuws").schools is None


def test_minimal_config_gets_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, REGENBOOG))
    assert config.language == "nl"
    assert config.timezone == "Europe/Amsterdam"
    assert config.sources == []
    assert config.privacy.pseudonym_key.env == "MONITOR_PSEUDONYM_KEY"
    assert config.data_dir == (tmp_path / "monitor-data").resolve()


def test_handles_and_hashtags_get_their_prefix(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, REGENBOOG + 'handles = ["ikcderegenboog"]\nhashtags = ["DeRegenboogZoetermeer"]\n')
    )
    school = config.schools[0]
    assert school.handles == ["@ikcderegenboog"]
    assert school.hashtags == ["#DeRegenboogZoetermeer"]


def test_unknown_school_or_source_lookup_names_the_known_ones(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TWO_SCHOOLS + RSS_SOURCE))
    with pytest.raises(ConfigError, match="regenboog-zoetermeer, zilvermeer-almere"):
        config.school("zilvermeer")
    with pytest.raises(ConfigError, match="regionieuws"):
        config.source("nieuws")


def test_relative_data_dir_resolves_against_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    file = write(folder, 'data_dir = "data/monitor"\n' + REGENBOOG)
    monkeypatch.chdir(elsewhere)
    assert load_config(file).data_dir == (folder / "data" / "monitor").resolve()
    # Also when the config itself is given as a relative path.
    assert load_config(Path("..") / "config" / "monitor.toml").data_dir == (folder / "data" / "monitor").resolve()


def test_absolute_data_dir_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "ergens" / "anders"
    file = write(tmp_path, f"data_dir = '{target}'\n" + REGENBOOG)
    assert load_config(file).data_dir == target.resolve()


def test_monitor_data_dir_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    override = tmp_path / "uit-de-omgeving"
    file = write(tmp_path, 'data_dir = "uit-het-bestand"\n' + REGENBOOG)
    monkeypatch.setenv(ENV_DATA_DIR, str(override))
    assert load_config(file).data_dir == override.resolve()


def test_relative_monitor_data_dir_is_relative_to_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    workdir = tmp_path / "werkmap"
    workdir.mkdir()
    file = write(folder, 'data_dir = "uit-het-bestand"\n' + REGENBOOG)
    monkeypatch.chdir(workdir)
    monkeypatch.setenv(ENV_DATA_DIR, "gegevens")
    assert load_config(file).data_dir == (workdir / "gegevens").resolve()


def test_empty_monitor_data_dir_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = write(tmp_path, 'data_dir = "uit-het-bestand"\n' + REGENBOOG)
    monkeypatch.setenv(ENV_DATA_DIR, "")
    assert load_config(file).data_dir == (tmp_path / "uit-het-bestand").resolve()


def test_monitor_config_env_is_used_without_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = write(tmp_path, TWO_SCHOOLS, name="elders.toml")
    monkeypatch.chdir(tmp_path.parent)
    monkeypatch.setenv(ENV_CONFIG, str(file))
    assert config_path(None) == file
    config = load_config()
    assert config.path == file.resolve()
    assert [s.id for s in config.schools] == ["regenboog-zoetermeer", "zilvermeer-almere"]


def test_explicit_path_beats_monitor_config_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_env = write(tmp_path, REGENBOOG, name="env.toml")
    explicit = write(tmp_path, ZILVERMEER, name="optie.toml")
    monkeypatch.setenv(ENV_CONFIG, str(from_env))
    assert [s.id for s in load_config(explicit).schools] == ["zilvermeer-almere"]


def test_default_is_monitor_toml_in_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, REGENBOOG)
    monkeypatch.chdir(tmp_path)
    assert config_path(None) == Path("monitor.toml")
    assert load_config().path == (tmp_path / "monitor.toml").resolve()


def test_monitor_config_pointing_nowhere_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "weg.toml"
    monkeypatch.setenv(ENV_CONFIG, str(missing))
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(missing) in str(info.value)
    assert "monitor init" in str(info.value)


# --- secrets ------------------------------------------------------------------------------------------------------


def test_secret_ref_resolves_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHOOL_MONITOR_TEST_SECRET", "s3cr3t")
    assert SecretRef(env="SCHOOL_MONITOR_TEST_SECRET").resolve() == "s3cr3t"


def test_secret_ref_missing_names_the_variable() -> None:
    ref = SecretRef(env="SCHOOL_MONITOR_TEST_SECRET")
    with pytest.raises(SecretMissingError) as info:
        ref.resolve("de pseudoniemen")
    message = str(info.value)
    assert "SCHOOL_MONITOR_TEST_SECRET" in message
    assert "de pseudoniemen" in message
    assert "export SCHOOL_MONITOR_TEST_SECRET=" in message


def test_secret_ref_empty_value_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHOOL_MONITOR_TEST_SECRET", "")
    with pytest.raises(SecretMissingError, match="SCHOOL_MONITOR_TEST_SECRET"):
        SecretRef(env="SCHOOL_MONITOR_TEST_SECRET").resolve()


def test_secret_in_config_is_resolved_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = write(tmp_path, '[privacy]\npseudonym_key = { env = "SCHOOL_MONITOR_TEST_SECRET" }\n' + REGENBOOG)
    config = load_config(file)  # loading does not need the secret
    with pytest.raises(SecretMissingError):
        config.privacy.pseudonym_key.resolve()
    monkeypatch.setenv("SCHOOL_MONITOR_TEST_SECRET", "geheim")
    assert config.privacy.pseudonym_key.resolve() == "geheim"


# --- message helpers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("schools", 1, "aliases"), "schools[1].aliases"),
        (("sources", 0, "url"), "sources[0].url"),
        (("privacy", "pseudonym_key", "env"), "privacy.pseudonym_key.env"),
        (("schools",), "schools"),
        ((), "(bovenste niveau)"),
    ],
)
def test_key_path(loc: tuple[str | int, ...], expected: str) -> None:
    assert key_path(loc) == expected


def test_describe_found_shortens_long_values() -> None:
    assert describe_found("De Regenboog") == "'De Regenboog' (tekst)"
    assert describe_found(["a"]) == "['a'] (lijst)"
    shown = describe_found("x" * 200)
    assert shown.endswith("... (tekst)")
    assert len(shown) < 80
