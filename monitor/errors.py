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


def describe_os_error(exc: OSError) -> str:
    """An error of the machine (disk full, read-only, no permission, missing folder) as one Dutch sentence that
    says where and what to do; the data already stored stays whole (every write is a new file, moved into place)."""
    import errno

    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    advice = {
        errno.ENOSPC: "de schijf is vol{where}. Maak ruimte vrij (bijvoorbeeld met 'monitor purge' of door oude "
                      "back-ups te verwijderen) en probeer het opnieuw",
        errno.EDQUOT: "het schijfquotum is op{where}. Vraag de beheerder om meer ruimte of ruim op",
        errno.EROFS: "het bestandssysteem is alleen-lezen{where}. Zet de gegevensmap (data_dir) op een schijf waarop "
                     "geschreven mag worden, of herstel de schijf (vaak: schijffout, zie het systeemlog)",
        errno.EACCES: "geen toegang{where}. Geef de gebruiker die school-monitor draait schrijf- en leesrechten op de "
                      "gegevensmap, of kies een andere data_dir",
        errno.EPERM: "niet toegestaan{where}. Geef de gebruiker die school-monitor draait rechten op de gegevensmap",
        errno.ENOENT: "bestand of map bestaat niet{where}. Controleer het pad (data_dir, --config, --out)",
        errno.ENOTDIR: "een deel van het pad is geen map{where}. Controleer data_dir",
        errno.EIO: "de schijf gaf een leesfout{where}. Controleer de schijf; de opslag blijft heel",
    }.get(exc.errno or 0)
    if advice is None:
        return f"fout van het systeem{where}: {exc.strerror or exc}. De opgeslagen gegevens blijven heel."
    return advice.format(where=where) + "; wat al opgeslagen was, blijft heel."
