"""Connectors: one small module per platform. They take a query and a cursor and yield pages of raw posts with
provenance, and map a raw post to the normalised record. They know nothing of the store, models or scheduler.

Connectors are found through the entry-point group ``school_monitor.connectors`` (see ``registry.py``); the
built-in ones are registered there exactly like third-party ones.
"""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())
