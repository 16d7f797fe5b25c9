"""Find connectors through the ``school_monitor.connectors`` entry-point group (built-in and third-party alike)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from connectors.base import Connector

GROUP = "school_monitor.connectors"


class UnknownConnectorError(LookupError):
    def __str__(self) -> str:
        return str(self.args[0])


@cache
def _entry_points() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def known_connectors() -> list[str]:
    return sorted(_entry_points())


def get_connector_class(name: str) -> type[Connector]:
    entry = _entry_points().get(name)
    if entry is None:
        known = ", ".join(known_connectors()) or "geen (is school-monitor wel geïnstalleerd?)"
        raise UnknownConnectorError(f"onbekend brontype '{name}'; bekende typen: {known}")
    cls = entry.load()  # type: ignore[attr-defined]
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise UnknownConnectorError(f"brontype '{name}' ({entry}) is geen school-monitor connector")
    return cls
