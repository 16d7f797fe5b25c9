"""CLI commands ``monitor user add|list|remove|password``: the accounts of the web app (see ``monitor/web/users.py``).

Passwords come only through stdin (``--password-stdin``), never as an argument, so they stay out of the process
list; every change goes to the audit log with the role and schools, never the password or its hash.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from monitor.commands.options import ConfigOption, fail, load

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.web.users import User, UserStore

T = TypeVar("T")
user_app = typer.Typer(help="Gebruikers van de webapp: wie mag wat zien.", no_args_is_help=True)

NameArgument = Annotated[str, typer.Argument(help="Gebruikersnaam (kleine letters, bijv. anja of j.de-vries).",
                                             show_default=False)]
PasswordStdinOption = Annotated[bool, typer.Option("--password-stdin", help="Lees het wachtwoord van stdin (de eerste "
                                                   "regel); verplicht, zo komt het niet in de shellgeschiedenis.")]
ROLE_HELP = ("Rol: communicatie (agenda van de week, berichten markeren), veiligheid (veiligheidssignalen en "
             "meldingen), management (trends en aantallen, nooit berichten) of beheer (gebruikers, status en logboek, "
             "geen berichtteksten).")


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.add_typer(user_app, name="user")


@user_app.command("add")
def add(
    name: NameArgument,
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP, show_default=False)],
    school: Annotated[list[str] | None, typer.Option("--school", help="School-id uit de configuratie (herhaal voor "
                                                     "meer scholen); zonder: alle scholen (alleen management en "
                                                     "beheer).")] = None,
    password_stdin: PasswordStdinOption = False,
    config: ConfigOption = None,
) -> None:
    """Voeg een gebruiker toe, met rol en scholen.

    Voorbeeld: monitor user add anja --role communicatie --school ID --password-stdin (typ dan het wachtwoord;
    het wordt niet getoond), of met het wachtwoord in een bestand: ... --password-stdin < wachtwoord.txt
    """
    cfg = load(config)
    password = _password(password_stdin, f"add {name} --role {role}")
    user = _run(lambda store: store.add(name, role, school or [], password,
                                        known_schools=[s.id for s in cfg.schools]), cfg)
    _audit(cfg, "user-add", user)
    typer.echo(f"Gebruiker {user.name} toegevoegd: {user.role}, {_schools(user)}.")


@user_app.command("list")
def list_users(config: ConfigOption = None) -> None:
    """Alle gebruikers met hun rol en scholen (nooit wachtwoorden)."""
    from rich.table import Table

    from monitor.report import out

    cfg = load(config)
    users = _run(lambda store: store.users(), cfg)
    if not users:
        out.print("Nog geen gebruikers. Voeg er een toe met: monitor user add NAAM --role ROL --school ID "
                  "--password-stdin (en typ het wachtwoord)", markup=False, soft_wrap=True)
        return
    table = Table(title="Gebruikers van de webapp", title_justify="left")
    for column in ("naam", "rol", "scholen", "aangemaakt", "wachtwoord gewijzigd"):
        table.add_column(column, overflow="fold")
    for user in users:
        table.add_row(user.name, user.role, _schools(user), _local(user.created_at, cfg.timezone),
                      _local(user.password_changed_at, cfg.timezone))
    out.print(table)


@user_app.command("remove")
def remove(
    name: NameArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Niet om bevestiging vragen.")] = False,
    config: ConfigOption = None,
) -> None:
    """Verwijder een gebruiker (de regels in het logboek blijven)."""
    from monitor.commands.privacy import _confirm

    cfg = load(config)
    user = _run(lambda store: store.require(name), cfg)
    typer.echo(f"Gebruiker {user.name} ({user.role}, {_schools(user)}) wordt verwijderd; de webapp laat deze "
               "gebruiker daarna niet meer toe.")
    _confirm(yes)
    removed = _run(lambda store: store.remove(user.name), cfg)
    _audit(cfg, "user-remove", removed)
    typer.echo(f"Gebruiker {removed.name} verwijderd; vastgelegd in het logboek.")


@user_app.command("password")
def password(name: NameArgument, password_stdin: PasswordStdinOption = False, config: ConfigOption = None) -> None:
    """Geef een gebruiker een nieuw wachtwoord (wie ingelogd was, moet opnieuw inloggen).

    Voorbeeld: monitor user password anja --password-stdin (typ dan het wachtwoord; het wordt niet getoond)
    """
    cfg = load(config)
    secret = _password(password_stdin, f"password {name}")
    user = _run(lambda store: store.set_password(name, secret), cfg)
    _audit(cfg, "user-password", user)
    typer.echo(f"Nieuw wachtwoord voor {user.name} opgeslagen; wie nog ingelogd was, moet opnieuw inloggen.")


def _password(from_stdin: bool, usage: str) -> str:
    """The first line of stdin without its line end (asked without echo on a terminal)."""
    if not from_stdin:
        fail(f"Geef het wachtwoord via stdin: monitor user {usage} --password-stdin en typ het (het wordt niet "
             "getoond), of --password-stdin < bestand; zo komt het niet in de shellgeschiedenis", 2)
    if sys.stdin.isatty():
        import getpass

        secret = getpass.getpass("Wachtwoord: ")
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    if not secret:
        fail("Leeg wachtwoord: geef het wachtwoord als eerste regel op stdin, bijvoorbeeld "
             f"monitor user {usage} --password-stdin < wachtwoord.txt", 2)
    return secret


def _run(action: Callable[[UserStore], T], cfg: Config) -> T:
    """``action`` on the config's user store; a wrong name, role, school or password ends with its message."""
    from monitor.web.users import UserError, UserStore

    try:
        return action(UserStore(cfg.data_dir))
    except UserError as exc:
        fail(str(exc), exc.exit_code)


def _audit(cfg: Config, action: str, user: User) -> None:
    from monitor.audit import actor_name, record
    from monitor.store import Store

    record(Store(cfg.data_dir), action, user.name, {"rol": user.role, "scholen": list(user.schools) or "alle"},
           actor=actor_name(cfg))


def _schools(user: User) -> str:
    return ", ".join(user.schools) or "alle"


def _local(moment: str, timezone: str) -> str:
    from datetime import datetime

    from monitor.digest.status import local_time

    try:
        return local_time(datetime.fromisoformat(moment), timezone)
    except ValueError:
        return "-"
