"""Turn pydantic's validation errors into messages school staff can act on.

Each problem names the key path (``schools[1].aliases``), what was found and what is expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

# pydantic error type -> what we expected, in Dutch.
_EXPECTED = {
    "missing": "een waarde (deze sleutel is verplicht)",
    "extra_forbidden": "geen onbekende sleutels (controleer de spelling)",
    "string_type": "tekst tussen aanhalingstekens",
    "list_type": "een lijst, bijvoorbeeld [\"a\", \"b\"]",
    "bool_type": "true of false",
    "bool_parsing": "true of false",
    "int_type": "een geheel getal",
    "int_parsing": "een geheel getal",
    "int_from_float": "een geheel getal",
    "float_type": "een getal",
    "float_parsing": "een getal",
    "dict_type": "een tabel, bijvoorbeeld { env = \"NAAM\" }",
    "model_type": "een tabel met sleutels",
    "model_attributes_type": "een tabel met sleutels",
    "string_pattern_mismatch": "tekst in de juiste vorm",
    "string_too_short": "langere tekst",
    "too_short": "meer elementen",
    "literal_error": "een van de toegestane waarden",
    "greater_than": "een groter getal",
    "greater_than_equal": "een groter getal",
    "less_than_equal": "een kleiner getal",
    "url_parsing": "een volledige URL (http:// of https://)",
    "url_scheme": "een URL die begint met http:// of https://",
    "url_type": "een URL",
    "path_type": "een pad als tekst, bijvoorbeeld \"monitor-data\"",
}

_PATTERN_HINTS = {
    r"^[a-z0-9][a-z0-9_-]*$": "kleine letters, cijfers en streepjes, bijvoorbeeld 'regenboog-zoetermeer'",
    r"^[0-9]{2}[A-Z]{2}([0-9]{2})?$": "een BRIN-code zoals '12AB' of '12AB00'",
    r"^[A-Za-z_][A-Za-z0-9_]*$": "een naam van een omgevingsvariabele, zoals X_BEARER_TOKEN",
    r"^([01][0-9]|2[0-3]):[0-5][0-9]$": "een tijd als \"HH:MM\", bijvoorbeeld \"07:30\"",
}
_BOUNDS = {"greater_than": ("gt", "een getal groter dan"), "greater_than_equal": ("ge", "een getal van minstens"),
           "less_than": ("lt", "een getal kleiner dan"), "less_than_equal": ("le", "een getal van hoogstens")}
_NUMBER_KINDS = {int: ("een geheel getal", "587"), float: ("een getal", "0.5"), bool: ("true of false", "true")}


def key_path(loc: Sequence[str | int]) -> str:
    """('schools', 1, 'aliases') -> 'schools[1].aliases'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(bovenste niveau)"


def describe_found(value: Any) -> str:
    kind = {
        str: "tekst",
        int: "getal",
        float: "getal",
        bool: "true/false",
        list: "lijst",
        dict: "tabel",
    }.get(type(value), type(value).__name__)
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{shown} ({kind})"


def _expected(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        return _PATTERN_HINTS.get(pattern, f"tekst volgens het patroon {pattern}")
    if kind == "literal_error":
        return f"een van: {str(ctx.get('expected', '')).replace(' or ', ' of ')}"
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"{words} {ctx.get(key)}{_range(err)}"
    if kind in ("too_short", "string_too_short") and "min_length" in ctx:
        return f"minstens {ctx['min_length']} {'tekens' if kind == 'string_too_short' else 'element(en)'}"
    return _EXPECTED.get(kind, str(err["msg"]))


def _range(err: Any) -> str:
    """The whole allowed range, when the field has both bounds: " (toegestaan: 1 t/m 65535)"."""
    low, high = err.get("bounds") or (None, None)
    return f" (toegestaan: {low} t/m {high})" if low is not None and high is not None else ""


def field_bounds(model: Any, loc: Sequence[str | int]) -> tuple[Any, Any]:
    """The (ge, le) bounds of the field at ``loc`` in ``model`` (None where it has none or cannot be found)."""
    field = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", {})
        field = fields.get(part)
        if field is None:
            return None, None
        model = next((t for t in (field.annotation, *getattr(field.annotation, "__args__", ()))
                      if isinstance(t, type) and hasattr(t, "model_fields")), None)
    low = next((m.ge for m in getattr(field, "metadata", []) if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in getattr(field, "metadata", []) if getattr(m, "le", None) is not None), None)
    return low, high


def numbers_not_text(cls: Any, value: Any, info: Any) -> Any:
    """A ``field_validator("*", mode="before")``: a number or true/false written as text ("587") is a mistake in
    the file, not something to convert silently (pydantic would)."""
    if not isinstance(value, str) or info.field_name is None:
        return value
    field = cls.model_fields.get(info.field_name)
    annotation = getattr(field, "annotation", None)
    kinds = set(getattr(annotation, "__args__", ())) | {annotation}
    for kind, (words, example) in _NUMBER_KINDS.items():
        if kind in kinds and str not in kinds:
            raise ValueError(f"{words} zonder aanhalingstekens, bijvoorbeeld {example}")
    return value


def format_validation_error(file: Path, exc: ValidationError, model: Any = None) -> str:
    """One line per problem; ``model`` (the validated class) lets range errors name the whole range."""
    lines = []
    for details in exc.errors():
        err: dict[str, Any] = dict(details)
        path = key_path(err["loc"])
        if model is not None and err["type"] in _BOUNDS:
            err["bounds"] = field_bounds(model, err["loc"])
        expected = _expected(err)
        if err["type"] == "value_error" and not err["loc"]:
            lines.append(expected)  # cross-field checks name their own key path
        elif err["type"] == "missing":
            lines.append(f"{path}: ontbreekt; verwacht {expected}")
        elif err["type"] == "extra_forbidden":
            lines.append(f"{path}: onbekende sleutel; verwacht {expected}")
        elif err["type"] == "value_error":
            lines.append(f"{path}: {expected} (gevonden: {describe_found(err.get('input'))})")
        else:
            lines.append(f"{path}: gevonden {describe_found(err.get('input'))}; verwacht {expected}")
    count = len(lines)
    head = f"{file}: de configuratie klopt niet ({count} {'probleem' if count == 1 else 'problemen'}):"
    return "\n".join([head, *("  - " + line for line in lines)])
