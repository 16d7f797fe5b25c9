"""The pandas/Parquet store. See ``schema.py`` for the tables and ``manifest.py`` for how commits work."""

from monitor.store.schema import SCHEMA_VERSION, TABLES, iso_week
from monitor.store.store import AddResult, Store, Transaction

__all__ = ["SCHEMA_VERSION", "TABLES", "AddResult", "Store", "Transaction", "iso_week"]
