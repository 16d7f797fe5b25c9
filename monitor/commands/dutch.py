"""Dutch for the CLI framework's own texts (typer and the click it ships): help, usage errors, defaults.

typer writes most of these as plain English f-strings (``typer._click``), a few through ``gettext``. :func:`install`
makes both Dutch in this process: the gettext ones by pointing typer's ``_`` at :data:`TEXTS`, the others by
translating the finished help page and error message with :data:`PHRASES`. A usage error ends with one ``fout:``
line, like every other failure of ``monitor``. Texts not listed stay as typer has them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any

from monitor.words import compiled, rewrite

# Looked up by typer.core through gettext.
TEXTS = {
    "Options": "Opties",
    "Commands": "Commando's",
    "Arguments": "Argumenten",
    "default: {default}": "standaard: {default}",
    "required": "verplicht",
    "env var: {var}": "omgevingsvariabele: {var}",
    "(dynamic)": "(wisselt)",
    "Aborted!": "Afgebroken.",
    "Missing command.": "Geef een commando.",
    "No such command {name!r}.": "Onbekend commando {name!r}.",
}
# Finished English texts -> Dutch, in this order (regular expressions; the first group(s) are kept).
PHRASES: list[tuple[str, str]] = [
    (r"^Usage: ", "Gebruik: "),
    (r"\[OPTIONS\]", "[OPTIES]"),
    (r" COMMAND \[ARGS\]\.\.\.", " COMMANDO [ARGUMENTEN]..."),
    (r"Show this message and exit\.", "Toon deze hulp en stop."),
    (r"\[default: ", "[standaard: "),
    (r"\[required\]", "[verplicht]"),
    (r"\. Did you mean (.+)\?", r". Bedoelt u \1?"),
    (r"^Missing option (.+)\.", r"Optie \1 ontbreekt."),
    (r"^Missing argument (.+)\.", r"Argument \1 ontbreekt."),
    (r"^Missing parameter: (.+)", r"Waarde ontbreekt: \1"),
    (r"^No such option: (.+)", r"Onbekende optie: \1"),
    (r"\(Possible options: (.+)\)", r"(mogelijk: \1)"),
    (r"^Option (.+) requires an argument\.", r"Optie \1 vraagt een waarde."),
    (r"^Option (.+) requires (\d+) arguments\.", r"Optie \1 vraagt \2 waarden."),
    (r"^Option (.+) does not take a value\.", r"Optie \1 neemt geen waarde."),
    (r"^Got unexpected extra argument\(s\) \((.+)\)", r"Onverwacht extra argument (\1)"),
    (r"^Invalid value for (.+?): ", r"Ongeldige waarde voor \1: "),
    (r"^Invalid value: ", "Ongeldige waarde: "),
    (r"Input should be a valid integer.*$", "verwacht een geheel getal"),
    (r"Input should be a valid number.*$", "verwacht een getal"),
    (r"Input should be a valid boolean.*$", "verwacht ja of nee (true/false)"),
    (r"Input should be greater than or equal to (\S+)$", r"moet minstens \1 zijn"),
    (r"Input should be less than or equal to (\S+)$", r"mag hoogstens \1 zijn"),
    (r"Input should be greater than (\S+)$", r"moet groter zijn dan \1"),
    (r"Input should be less than (\S+)$", r"moet kleiner zijn dan \1"),
    (r"^(.+) is not one of (.+)\.$", r"\1 is niet een van \2."),
    (r"^Value (.+) is not a valid (.+)\.$", r"\1 is geen geldige \2."),
    (r"(?<=')(.+?)' does not exist\.", r"\1' bestaat niet."),
    (r"(?<=')(.+?)' is a directory\.", r"\1' is een map."),
]
# The help's value placeholders, translated before the columns are laid out.
METAVARS = [(r"^<path>$", "<pad>"), (r"^<str>$", "<tekst>"), (r"^<list\[str\]>$", "<naam>"),
            (r"^<(?:int|float)(?: range)?>$", "<getal>")]
_COMPILED = compiled(PHRASES, re.MULTILINE)


def gettext(message: str) -> str:
    return TEXTS.get(message, message)


def translate(text: str) -> str:
    """A finished help page or error message in Dutch, as far as :data:`PHRASES` know it."""
    return rewrite(text, _COMPILED)


def install() -> None:
    """Make typer speak Dutch in this process (the CLI only; library code never calls this)."""
    import typer.core
    from typer._click import core, exceptions

    typer.core._ = gettext  # type: ignore[attr-defined]
    if getattr(exceptions.UsageError.show, "dutch", False):
        return
    _dutch_placeholders(typer.core)
    _translated(core.Context, "get_help")
    _translated(core.Context, "get_usage")
    exceptions.UsageError.show = _show  # type: ignore[method-assign]
    exceptions.ClickException.show = _show_error  # type: ignore[method-assign]


def _dutch_placeholders(typer_core: Any) -> None:
    """``<path>`` and ``1<=x<=65535`` in the help as ``<pad>`` and ``1 t/m 65535``."""
    display_type = typer_core._TyperParameter.display_type

    def dutch_type(self: Any, ctx: Any) -> str:
        text = str(display_type(self, ctx))
        for pattern, dutch in METAVARS:
            text = re.sub(pattern, dutch, text)
        return text

    def dutch_range(low: Any, high: Any) -> str | None:
        if low is None and high is None:
            return None
        if low is None:
            return f"hoogstens {high}"
        return f"minstens {low}" if high is None else f"{low} t/m {high}"

    typer_core._TyperParameter.display_type = dutch_type
    typer_core.describe_number_range = dutch_range


def _translated(owner: Any, name: str) -> None:
    original: Callable[..., str] = getattr(owner, name)

    def method(self: Any, *args: Any, **kwargs: Any) -> str:
        return translate(original(self, *args, **kwargs))

    setattr(owner, name, method)


def _show(self: Any, file: IO[Any] | None = None) -> None:
    """Usage, where to find help, and one ``fout:`` line (typer's own says "Error: ..." in English)."""
    from typer._click.utils import echo

    if self.ctx is not None:
        hint = ""
        if self.ctx.command.get_help_option(self.ctx) is not None:
            hint = f"Hulp: {self.ctx.command_path} {self.ctx.help_option_names[0]}\n"
        echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=file is None, color=self.ctx.color)
    echo(f"fout: {translate(self.format_message())}", file=file, err=file is None)


def _show_error(self: Any, file: IO[Any] | None = None) -> None:
    from typer._click.utils import echo

    echo(f"fout: {translate(self.format_message())}", file=file, err=file is None)


_show.dutch = True  # type: ignore[attr-defined]
