"""One exception tree for the core. Messages are written for school staff, in Dutch, and say how to fix it."""


class MonitorError(Exception):
    """Base class: anything the CLI can turn into a one-line reason and a non-zero exit."""

    exit_code = 1


class ConfigError(MonitorError):
    """The configuration file is missing or not valid."""

    exit_code = 2


class SecretMissingError(ConfigError):
    """A secret reference points to an environment variable that is not set."""


class StoreError(MonitorError):
    """The data store cannot be read or written."""


class StoreBusyError(StoreError):
    """Another process holds the store's write lock."""
