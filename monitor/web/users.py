"""The web app's user accounts: who may log in, with which role, for which schools.

The accounts live in ``<data_dir>/users.json`` (mode 600), written atomically under ``users.json.lock``. A password
is kept only as an argon2 hash; the hash never leaves :class:`UserStore` (a :class:`User` has none) and passwords
are never logged.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import MonitorError, StoreError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

log = logging.getLogger(__name__)

ROLES = ("communicatie", "veiligheid", "management", "beheer")
ROLE_TEXTS = {
    "communicatie": "agenda van de week, berichten markeren",
    "veiligheid": "veiligheidssignalen en meldingen",
    "management": "trends en aantallen, nooit berichten",
    "beheer": "gebruikers, status en logboek, geen berichtteksten",
}
ALL_SCHOOLS_ROLES = ("management", "beheer")  # may have no schools: then they see all of them
USERS_FILE = "users.json"
LOCK_FILE = "users.json.lock"
VERSION = 1
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 12
LOCK_TIMEOUT = 10.0
# Verified against for an unknown name, so a login takes as long whether the account exists or not. Made with
# argon2-cffi's default parameters (a test checks they still match) from a random password nobody knows.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$BoO3AXwRSO33AkzPXNN3OA$ackKVI32mKw0ZQkH/8+4/dUESurBSoMHRqQcrKxL/EU"


class UserError(MonitorError):
    """A user account cannot be added or changed as asked (name, role, schools or password); wrong usage."""

    exit_code = 2


@dataclass(frozen=True)
class User:
    name: str
    role: str
    schools: tuple[str, ...]  # empty: all schools (only for management and beheer)
    created_at: str  # ISO 8601, UTC
    password_changed_at: str  # ISO 8601, UTC

    def sees_school(self, school_id: str) -> bool:
        return not self.schools or school_id in self.schools


class UserStore:
    """The accounts in ``<data_dir>/users.json``; reads need no lock (the file is replaced whole), writes hold it."""

    def __init__(self, data_dir: Path | str, *, hasher: PasswordHasher | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / USERS_FILE
        self._hasher = hasher

    # ---- reading -------------------------------------------------------------------------------------------
    def users(self) -> list[User]:
        """Every account, sorted by name."""
        return [_user(name, entry) for name, entry in sorted(self._read().items())]

    def get(self, name: str) -> User | None:
        entry = self._read().get(_key(name))
        return _user(_key(name), entry) if entry is not None else None

    def require(self, name: str) -> User:
        """The account ``name``; a :class:`UserError` naming the known ones when there is none."""
        entries = self._read()
        if _key(name) not in entries:
            raise _unknown(name, entries)
        return _user(_key(name), entries[_key(name)])

    def verify(self, name: str, password: str) -> User | None:
        """The account when ``password`` is its password, else None. An unknown name costs the same time (one
        verify against :data:`DUMMY_HASH`); a hash made with older parameters is replaced by a new one."""
        from argon2.exceptions import InvalidHashError, VerificationError

        key = _key(name)
        entry = self._read().get(key)
        stored = str(entry["hash"]) if entry is not None else DUMMY_HASH
        try:
            self.hasher.verify(stored, password)
        except VerificationError:
            return None
        except InvalidHashError:
            log.warning("gebruiker %s: het opgeslagen wachtwoord is onleesbaar; geef een nieuw met "
                        "'monitor user password %s --password-stdin'", key, key)
            return None
        if entry is None:
            return None
        if self.hasher.check_needs_rehash(stored):
            self._rehash(key, stored, password)
        return _user(key, entry)

    # ---- writing -------------------------------------------------------------------------------------------
    def add(self, name: str, role: str, schools: Collection[str], password: str, *,
            known_schools: Collection[str]) -> User:
        """A new account; ``schools`` must be ids from ``known_schools`` (the config's), empty only for management
        and beheer (then: all schools)."""
        check_name(name)
        chosen = check_schools(check_role(role), schools, known_schools)
        check_password(password, name)
        with self._change() as entries:
            if name in entries:
                raise UserError(f"Gebruiker '{name}' bestaat al. Een nieuw wachtwoord: monitor user password {name} "
                                "--password-stdin; een andere rol of andere scholen: eerst monitor user remove "
                                f"{name}, dan opnieuw toevoegen.")
            now = _now()
            entries[name] = {"role": role, "schools": list(chosen), "hash": self.hasher.hash(password),
                             "created_at": now, "password_changed_at": now}
            user = _user(name, entries[name])
        log.info("gebruiker %s toegevoegd (rol %s)", name, role)
        return user

    def remove(self, name: str) -> User:
        """Delete the account; returns what it was."""
        with self._change() as entries:
            if _key(name) not in entries:
                raise _unknown(name, entries)
            user = _user(_key(name), entries.pop(_key(name)))
        log.info("gebruiker %s verwijderd", user.name)
        return user

    def set_password(self, name: str, password: str) -> User:
        """A new password for an existing account (its sessions end: ``password_changed_at`` moves on)."""
        key = _key(name)
        check_password(password, key)
        with self._change() as entries:
            if key not in entries:
                raise _unknown(name, entries)
            entries[key].update(hash=self.hasher.hash(password), password_changed_at=_now())
            user = _user(key, entries[key])
        log.info("gebruiker %s: wachtwoord gewijzigd", key)
        return user

    # ---- inside --------------------------------------------------------------------------------------------
    @property
    def hasher(self) -> PasswordHasher:
        if self._hasher is None:
            from argon2 import PasswordHasher

            self._hasher = PasswordHasher()
        return self._hasher

    def _rehash(self, key: str, stored: str, password: str) -> None:
        digest = self.hasher.hash(password)
        with self._change() as entries:
            if key in entries and entries[key]["hash"] == stored:  # not changed meanwhile
                entries[key]["hash"] = digest
                log.info("gebruiker %s: wachtwoord-hash vernieuwd (nieuwe argon2-instellingen)", key)

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise self._damaged(f"geen geldige JSON ({exc})") from None
        users = data.get("users") if isinstance(data, dict) and data.get("version") == VERSION else None
        if not isinstance(users, dict):
            raise self._damaged(f"verwacht {{\"version\": {VERSION}, \"users\": {{...}}}}")
        return users

    def _damaged(self, why: str) -> StoreError:
        return StoreError(f"{self.path} is onleesbaar: {why}. Zet een back-up terug, of verwijder het bestand en maak "
                          "de gebruikers opnieuw aan met 'monitor user add'.")

    @contextmanager
    def _change(self) -> Iterator[dict[str, dict[str, Any]]]:
        """The accounts to change in place, under the lock; saved when the block ends without an error."""
        from filelock import FileLock, Timeout

        from monitor.digest.run import write_atomic
        from monitor.store.manifest import fsync_dir

        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = FileLock(str(self.data_dir / LOCK_FILE), mode=0o600)
        try:
            lock.acquire(timeout=LOCK_TIMEOUT)
        except Timeout:
            raise StoreError(f"{self.path} wordt al door een ander proces gewijzigd; probeer het zo opnieuw.") from None
        try:
            entries = self._read()
            yield entries
            body = json.dumps({"version": VERSION, "users": entries}, ensure_ascii=False, indent=2, sort_keys=True)
            write_atomic(self.path, body + "\n")  # a temporary file made with mode 600, fsynced, then moved
            fsync_dir(self.data_dir)
        finally:
            lock.release()


def check_name(name: str) -> str:
    if NAME.match(name):
        return name
    if NAME.match(name.lower()):
        raise UserError(f"Gebruikersnaam '{name}': gebruik alleen kleine letters, dus '{name.lower()}'.")
    raise UserError(f"Ongeldige gebruikersnaam '{name}': 2 tot 32 tekens, alleen kleine letters, cijfers, punt, "
                    "streepje en liggend streepje, en beginnend met een letter of cijfer (bijvoorbeeld 'anja' of "
                    "'j.de-vries').")


def check_role(role: str) -> str:
    if role in ROLES:
        return role
    choices = "; ".join(f"{name} ({ROLE_TEXTS[name]})" for name in ROLES)
    raise UserError(f"Onbekende rol '{role}'. Kies een van: {choices}.")


def check_schools(role: str, schools: Collection[str], known: Collection[str]) -> tuple[str, ...]:
    """The schools without repeats, each checked against ``known``; none is only allowed for management and
    beheer."""
    known_list = ", ".join(sorted(known)) or "geen"
    chosen = tuple(dict.fromkeys(schools))
    unknown = [school for school in chosen if school not in known]
    if unknown:
        raise UserError(f"Onbekende school '{unknown[0]}'. Scholen in de configuratie: {known_list}.")
    if not chosen and role not in ALL_SCHOOLS_ROLES:
        raise UserError(f"De rol {role} ziet alleen de eigen school of scholen: geef er minstens één met --school "
                        f"(scholen in de configuratie: {known_list}). Zonder --school zien alleen management en "
                        "beheer alle scholen.")
    return chosen


PASSWORD_RULES: list[tuple[Callable[[str, str], bool], str]] = [
    (lambda password, _: len(password) >= MIN_PASSWORD,
     f"Het wachtwoord is te kort: gebruik minstens {MIN_PASSWORD} tekens (bijvoorbeeld een zin van een paar woorden)."),
    (lambda password, name: password.casefold() != name.casefold(),
     "Het wachtwoord is gelijk aan de gebruikersnaam; kies een ander wachtwoord."),
    (lambda password, _: len(set(password)) > 1,
     "Het wachtwoord bestaat uit steeds hetzelfde teken; kies een wachtwoord met verschillende tekens."),
]


def check_password(password: str, name: str) -> None:
    """A :class:`UserError` for the first rule ``password`` breaks (the message never repeats the password)."""
    for rule, message in PASSWORD_RULES:
        if not rule(password, name):
            raise UserError(message)


def _key(name: str) -> str:
    return name.strip().lower()


def _user(name: str, entry: dict[str, Any]) -> User:
    return User(name=name, role=str(entry["role"]), schools=tuple(entry.get("schools") or ()),
                created_at=str(entry["created_at"]), password_changed_at=str(entry["password_changed_at"]))


def _unknown(name: str, entries: dict[str, Any]) -> UserError:
    if not entries:
        return UserError(f"Onbekende gebruiker '{name}': er zijn nog geen gebruikers. Voeg er een toe met "
                         "'monitor user add'.")
    return UserError(f"Onbekende gebruiker '{name}'. Bekende gebruikers: {', '.join(sorted(entries))}.")


def _now() -> str:
    from monitor.records import now_utc

    return now_utc().isoformat()
