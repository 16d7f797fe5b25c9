"""The pandas/Parquet store. See ``schema.py`` for the tables, ``manifest.py`` for how commits are published and
``transaction.py`` for writing."""

from monitor.store.schema import SCHEMA_VERSION, TABLES, iso_week
from monitor.store.store import Store
from monitor.store.transaction import AddResult, Transaction

__all__ = ["SCHEMA_VERSION", "TABLES", "AddResult", "Store", "Transaction", "iso_week"]
