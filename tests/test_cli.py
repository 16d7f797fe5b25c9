"""The real ``monitor`` command, run as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.setup import example_config_text

HEAVY_MODULES = ("pandas", "pyarrow", "feedparser", "requests")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["COLUMNS"] = "200"  # rich tables must not wrap the rows we look at
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def monitor(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def example_config(tmp_path: Path) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(example_config_text(), encoding="utf-8")
    return path


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = monitor("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Gebruik:" in result.stdout and "Toon deze hulp en stop." in result.stdout
    for command in ("init", "collect", "match", "status", "connectors", "demo"):
        assert command in result.stdout
    assert result.stderr == ""


def test_no_arguments_shows_help(tmp_path: Path) -> None:
    result = monitor(cwd=tmp_path)
    assert "Gebruik:" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["colect"], "fout: Onbekend commando 'colect'. Bedoelt u 'collect'"),
        (["review", "mark", "abc"], "fout: Optie '--status' ontbreekt."),
        (["digest", "--week"], "fout: Optie '--week' vraagt een waarde."),
        (["run", "--health-port", "abc"], "fout: Ongeldige waarde voor '--health-port': verwacht een geheel getal"),
        (["run", "--health-port", "70000"], "mag hoogstens 65535 zijn"),
        (["collect", "--nope"], "fout: Onbekende optie: --nope"),
        (["review", "show"], "fout: Argument 'post' ontbreekt."),
    ],
)
def test_usage_errors_are_dutch_and_end_with_one_fout_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = monitor(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("fout: ")
    english = ("Usage:", "Error", "Try '", "Did you mean", "Missing", "Invalid value", "Input should")
    assert not [word for word in english if word in result.stderr], result.stderr


def test_help_pages_have_no_english_framework_text(tmp_path: Path) -> None:
    for args in (["--help"], ["collect", "--help"], ["review", "--help"], ["run", "--help"], ["digest", "--help"]):
        page = monitor(*args, cwd=tmp_path).stdout
        for english in ("Show this message", "Usage:", "[OPTIONS]", "[default:", "<path>", "<str>", "Options:"):
            assert english not in page, (args, english)


def test_importing_the_cli_does_not_import_heavy_libraries(tmp_path: Path) -> None:
    result = python(
        f"import json, sys, monitor.cli; print(json.dumps(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules)))",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_help_does_not_import_heavy_libraries(tmp_path: Path) -> None:
    code = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: print(json.dumps(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))))\n"
        "sys.argv = ['monitor', '--help']\n"
        "from monitor.cli import main\n"
        "main()\n"
    )
    result = python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_init_writes_the_example_config(tmp_path: Path) -> None:
    target = tmp_path / "nieuw" / "monitor.toml"
    result = monitor("init", str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == example_config_text()
    assert str(target) in result.stdout
    config = load_config(target)
    assert [s.id for s in config.schools] == ["regenboog-zoetermeer", "zilvermeer-almere"]


def test_init_default_path_is_monitor_toml(tmp_path: Path) -> None:
    result = monitor("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "monitor.toml").read_text(encoding="utf-8") == example_config_text()


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "monitor.toml"
    target.write_text("# mijn eigen configuratie\n", encoding="utf-8")
    result = monitor("init", str(target), cwd=tmp_path)
    assert result.returncode != 0
    assert target.read_text(encoding="utf-8") == "# mijn eigen configuratie\n"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line of reason, no traceback
    assert lines[0].startswith("fout:")
    assert str(target) in lines[0]
    assert "--force" in lines[0]


def test_init_force_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "monitor.toml"
    target.write_text("# mijn eigen configuratie\n", encoding="utf-8")
    result = monitor("init", str(target), "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == example_config_text()


def _row(stdout: str, school_id: str) -> str:
    rows = [line for line in stdout.splitlines() if f"({school_id})" in line]
    assert len(rows) == 1, stdout
    return rows[0]


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("│|").split("│")]


def test_match_says_ja_for_the_school(tmp_path: Path, example_config: Path) -> None:
    result = monitor(
        "match", "Juf Sanne van De Regenboog is echt goud waard", "--config", str(example_config), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    regenboog = _cells(_row(result.stdout, "regenboog-zoetermeer"))
    assert regenboog[1] == "ja"
    assert "context 'juf'" in regenboog[2]
    assert _cells(_row(result.stdout, "zilvermeer-almere"))[1] == "nee"


def test_match_says_nee_without_context(tmp_path: Path, example_config: Path) -> None:
    result = monitor("match", "Speelmiddag bij De Regenboog", "-c", str(example_config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    regenboog = _cells(_row(result.stdout, "regenboog-zoetermeer"))
    assert regenboog[1] == "nee"
    assert "zonder context" in regenboog[2]


def test_match_uses_monitor_config_env(tmp_path: Path, example_config: Path) -> None:
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    result = monitor("match", "Open dag #zilvermeercollege", cwd=elsewhere, MONITOR_CONFIG=str(example_config))
    assert result.returncode == 0, result.stderr
    assert _cells(_row(result.stdout, "zilvermeer-almere"))[1] == "ja"


def test_bad_config_exits_2_with_key_path(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        example_config_text()
        .replace('handles = ["@zilvermeercoll"]', 'aliases = "Zilvermeer"', 1)
        .replace('aliases = ["Zilvermeercollege", "Zilvermeer"]   #', "#", 1),
        encoding="utf-8",
    )
    result = monitor("match", "Zilvermeer College", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("fout: ")
    assert str(config) in result.stderr
    assert "schools[1].aliases" in result.stderr
    assert "'Zilvermeer' (tekst)" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_missing_config_mentions_monitor_init(tmp_path: Path) -> None:
    result = monitor("match", "Zilvermeer College", cwd=tmp_path)  # no ./monitor.toml here
    assert result.returncode != 0
    assert "monitor init" in result.stderr
    assert "monitor.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_connectors_lists_rss(tmp_path: Path) -> None:
    result = monitor("connectors", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert any(line.strip("│ ").startswith("rss ") for line in result.stdout.splitlines()), result.stdout


def test_every_command_lives_in_monitor_commands() -> None:
    """A newcomer finds 'classify' where 'digest' is: monitor/cli.py only assembles the app."""
    import typer.main

    from monitor.cli import app

    group = typer.main.get_group(app)

    def callbacks(command: object, name: str) -> list[tuple[str, str]]:
        sub = getattr(command, "commands", None)
        if sub:
            return [c for key, child in sub.items() for c in callbacks(child, f"{name} {key}".strip())]
        callback = getattr(command, "callback", None)
        return [(name, getattr(callback, "__module__", ""))]

    found = callbacks(group, "")
    assert len(found) > 20
    assert [(n, m) for n, m in found if not m.startswith("monitor.commands.")] == []


def test_classify_with_a_wrong_cluster_says_what_to_write(tmp_path: Path, example_config: Path) -> None:
    result = monitor("classify", "--rescore", "--cluster", "lokaal:2", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "local:N" in result.stderr and "tcp://" in result.stderr
    assert "Traceback" not in result.stderr
