"""The web app's user accounts: ``monitor/web/users.py`` and the ``monitor user ...`` commands."""

from __future__ import annotations

import json
import re
import stat
from dataclasses import fields
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from monitor.audit import read_audit
from monitor.cli import app
from monitor.config import Config
from monitor.errors import MonitorError, StoreError
from monitor.store import Store
from monitor.web.users import DUMMY_HASH, ROLE_TEXTS, ROLES, User, UserError, UserStore
from tests.factories import example_config

SCHOOLS = ("regenboog-zoetermeer", "zilvermeer-almere")
SECRET = "paars-konijn-op-de-fiets"
OTHER_SECRET = "groene-giraf-in-de-regen"
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # library tests: cheap hashes


def config_with_actor(tmp_path: Path) -> Config:
    config = example_config(tmp_path)
    assert config.path is not None
    config.path.write_text(config.path.read_text().replace('# actor = "Communicatie"', 'actor = "Beheerder"'))
    return config


def user_cli(config: Config, *args: str, password: str | None = None, code: int = 0) -> str:
    """Run ``monitor user ARGS --config ...`` (the password, if any, on stdin); returns everything it printed."""
    result = CliRunner().invoke(app, ["user", *args, "--config", str(config.path)], env={"COLUMNS": "200"},
                                input=None if password is None else f"{password}\n")
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def test_roles_each_have_a_dutch_description() -> None:
    assert ROLES == ("communicatie", "veiligheid", "management", "beheer")
    assert set(ROLE_TEXTS) == set(ROLES) and "nooit berichten" in ROLE_TEXTS["management"]


def test_add_list_password_remove_round_trip(tmp_path: Path) -> None:
    config = config_with_actor(tmp_path)
    shown = user_cli(config, "add", "anja", "--role", "communicatie", "--school", SCHOOLS[0], "--password-stdin",
                     password=SECRET)
    assert "Gebruiker anja toegevoegd: communicatie, regenboog-zoetermeer" in shown
    user_cli(config, "add", "j.de-vries", "--role", "beheer", "--password-stdin", password=OTHER_SECRET)
    user_cli(config, "add", "kees", "--role", "veiligheid", "--school", SCHOOLS[1], "--school", SCHOOLS[0],
             "--school", SCHOOLS[1], "--password-stdin", password=SECRET)

    listed = user_cli(config, "list")
    for expected in ("naam", "rol", "scholen", "aangemaakt", "wachtwoord gewijzigd", "anja", "communicatie",
                     "j.de-vries", "beheer", "alle", "zilvermeer-almere, regenboog-zoetermeer"):
        assert expected in listed, expected
    assert re.search(r"\b\d\d-\d\d-20\d\d \d\d:\d\d\b", listed), "times as dd-mm-jjjj HH:MM"
    assert listed.index("anja") < listed.index("j.de-vries") < listed.index("kees"), "sorted by name"
    assert SECRET not in listed and "argon2" not in listed

    store = UserStore(config.data_dir)
    anja = store.verify("anja", SECRET)
    assert anja is not None
    assert anja == User("anja", "communicatie", (SCHOOLS[0],), anja.created_at, anja.created_at)
    kees = store.get("kees")
    assert kees is not None and kees.schools == (SCHOOLS[1], SCHOOLS[0]), "in the given order, without repeats"

    shown = user_cli(config, "password", "anja", "--password-stdin", password=f"{OTHER_SECRET}\nnext line")
    assert "opnieuw inloggen" in shown
    assert store.verify("anja", SECRET) is None
    changed = store.verify("anja", OTHER_SECRET)
    assert changed is not None and changed.password_changed_at > changed.created_at == anja.created_at

    shown = user_cli(config, "remove", "anja", "--yes")
    assert "Gebruiker anja verwijderd" in shown
    assert store.get("anja") is None and store.verify("anja", OTHER_SECRET) is None
    assert [u.name for u in store.users()] == ["j.de-vries", "kees"]
    assert "anja" not in user_cli(config, "list")


def test_the_file_is_owner_only_and_keeps_only_a_hash(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "data", hasher=FAST)
    store.add("anja", "management", [], SECRET, known_schools=SCHOOLS)
    store.set_password("anja", OTHER_SECRET)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    text = store.path.read_text(encoding="utf-8")
    assert SECRET not in text and OTHER_SECRET not in text
    data = json.loads(text)
    assert data["version"] == 1
    entry = data["users"]["anja"]
    assert set(entry) == {"role", "schools", "hash", "created_at", "password_changed_at"}
    assert entry["hash"].startswith("$argon2id$") and entry["schools"] == []
    assert "hash" not in {f.name for f in fields(User)}, "a User never carries the hash"
    assert [p.name for p in store.data_dir.iterdir() if ".tmp" in p.name] == [], "no temporary file left behind"


def test_sees_school_empty_means_all() -> None:
    everywhere = User("m", "management", (), "", "")
    one = User("c", "communicatie", (SCHOOLS[0],), "", "")
    assert everywhere.sees_school(SCHOOLS[1]) and one.sees_school(SCHOOLS[0]) and not one.sees_school(SCHOOLS[1])


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified.append(str(hash))
        return super().verify(hash, password)


def test_verify_right_wrong_and_unknown(tmp_path: Path) -> None:
    hasher = CountingHasher()
    store = UserStore(tmp_path, hasher=hasher)
    store.add("anja", "communicatie", [SCHOOLS[0]], SECRET, known_schools=SCHOOLS)
    assert store.verify("anja", SECRET) == store.get("anja")
    assert store.verify("Anja ", SECRET) is not None, "a login name is taken in lower case"
    assert store.verify("anja", OTHER_SECRET) is None
    assert store.verify("anja", "") is None
    hasher.verified.clear()
    assert store.verify("niemand", SECRET) is None
    assert hasher.verified == [DUMMY_HASH], "an unknown name still costs one verify"
    assert not PasswordHasher().check_needs_rehash(DUMMY_HASH), "the dummy hash has today's default cost"


def test_a_hash_with_old_parameters_is_renewed_and_keeps_working(tmp_path: Path) -> None:
    UserStore(tmp_path, hasher=FAST).add("anja", "beheer", [], SECRET, known_schools=SCHOOLS)
    store = UserStore(tmp_path, hasher=PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))

    def stored() -> str:
        return str(json.loads(store.path.read_text(encoding="utf-8"))["users"]["anja"]["hash"])

    old = stored()
    before = store.get("anja")
    assert store.verify("anja", OTHER_SECRET) is None and stored() == old, "a wrong password changes nothing"
    assert store.verify("anja", SECRET) == before
    renewed = stored()
    assert renewed != old and "m=16,t=2,p=1" in renewed
    assert store.get("anja") == before, "a new hash is not a new password: sessions stay valid"
    assert store.verify("anja", SECRET) is not None and stored() == renewed
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["add", "Anja", "--role", "beheer"], SECRET, "gebruik alleen kleine letters, dus 'anja'"),
        (["add", "a", "--role", "beheer"], SECRET, "Ongeldige gebruikersnaam 'a': 2 tot 32 tekens"),
        (["add", "anja de boer", "--role", "beheer"], SECRET, "alleen kleine letters, cijfers"),
        (["add", "anja", "--role", "directie"], SECRET,
         "Onbekende rol 'directie'. Kies een van: communicatie (agenda van de week, berichten markeren); veiligheid"),
        (["add", "anja", "--role", "veiligheid", "--school", "nergens"], SECRET,
         "Onbekende school 'nergens'. Scholen in de configuratie: regenboog-zoetermeer, zilvermeer-almere"),
        (["add", "anja", "--role", "communicatie"], SECRET,
         "De rol communicatie ziet alleen de eigen school of scholen: geef er minstens één met --school"),
        (["add", "anja", "--role", "beheer"], "kort", "te kort: gebruik minstens 12 tekens"),
        (["add", "anja.de.boer", "--role", "beheer"], "Anja.de.Boer", "gelijk aan de gebruikersnaam"),
        (["add", "anja", "--role", "beheer"], "x" * 20, "steeds hetzelfde teken"),
        (["add", "anja", "--role", "beheer"], "", "Leeg wachtwoord"),
    ],
)
def test_wrong_input_is_refused_with_a_dutch_reason(tmp_path: Path, args: list[str], password: str,
                                                     message: str) -> None:
    config = example_config(tmp_path)
    shown = user_cli(config, *args, "--password-stdin", password=password, code=2)
    assert shown.startswith("fout: ") and message in shown
    assert SECRET not in shown, "the password is never repeated"
    assert UserStore(config.data_dir).users() == []


def test_existing_users_unknown_users_and_missing_password_stdin(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    user_cli(config, "add", "anja", "--role", "management", "--password-stdin", password=SECRET)
    shown = user_cli(config, "add", "anja", "--role", "beheer", "--password-stdin", password=OTHER_SECRET, code=2)
    assert "Gebruiker 'anja' bestaat al" in shown and "monitor user password anja --password-stdin" in shown
    assert UserStore(config.data_dir).verify("anja", SECRET) is not None, "the existing account is unchanged"

    shown = user_cli(config, "add", "kees", "--role", "beheer", password=SECRET, code=2)
    assert ("Geef het wachtwoord via stdin: monitor user add kees --role beheer --password-stdin en typ het") in shown
    assert "niet in de shellgeschiedenis" in shown
    assert "monitor user password anja --password-stdin" in user_cli(config, "password", "anja", code=2)

    for args in (["remove", "kees", "--yes"], ["password", "kees", "--password-stdin"]):
        shown = user_cli(config, *args, password=OTHER_SECRET, code=2)
        assert "Onbekende gebruiker 'kees'. Bekende gebruikers: anja." in shown, args
    assert [u.name for u in UserStore(config.data_dir).users()] == ["anja"]


def test_remove_asks_first_without_yes(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    user_cli(config, "add", "anja", "--role", "beheer", "--password-stdin", password=SECRET)
    result = CliRunner().invoke(app, ["user", "remove", "anja", "--config", str(config.path)])
    assert isinstance(result.exception, MonitorError) and "--yes" in str(result.exception)
    assert UserStore(config.data_dir).get("anja") is not None


def test_changes_are_audited_without_secrets(tmp_path: Path) -> None:
    config = config_with_actor(tmp_path)
    user_cli(config, "add", "anja", "--role", "veiligheid", "--school", SCHOOLS[1], "--password-stdin",
             password=SECRET)
    user_cli(config, "password", "anja", "--password-stdin", password=OTHER_SECRET)
    user_cli(config, "remove", "anja", "--yes")
    events = read_audit(Store(config.data_dir))
    assert list(events["action"]) == ["user-add", "user-password", "user-remove"]
    assert set(events["target"]) == {"anja"} and set(events["actor"]) == {"Beheerder"}
    assert json.loads(events["details"].iloc[0]) == {"rol": "veiligheid", "scholen": [SCHOOLS[1]]}
    everything = events.to_json(date_format="iso")
    assert SECRET not in everything and OTHER_SECRET not in everything and "argon2" not in everything
    shown = CliRunner().invoke(app, ["audit", "--config", str(config.path)], env={"COLUMNS": "200"}).output
    assert "gebruiker van de webapp toegevoegd" in shown and "gebruiker van de webapp verwijderd" in shown


def test_a_damaged_file_says_how_to_recover(tmp_path: Path) -> None:
    store = UserStore(tmp_path, hasher=FAST)
    store.path.write_text("{niet: json", encoding="utf-8")
    with pytest.raises(StoreError, match=r"onleesbaar.*back-up"):
        store.users()
    store.path.write_text('{"version": 9, "users": {}}', encoding="utf-8")
    with pytest.raises(StoreError, match=re.escape('verwacht {"version": 1')):
        store.get("anja")
    with pytest.raises(UserError, match="er zijn nog geen gebruikers"):
        UserStore(tmp_path / "leeg").remove("anja")
