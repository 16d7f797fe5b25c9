"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives as an ``.eml`` file.

Used by ``monitor demo`` (the digests are sent to it instead of to real people) and by the tests. Each saved copy
starts with ``X-Envelope-From`` and ``X-Envelope-To`` headers: who the message was really sent to, which can
differ from the To header (Bcc, or recipients the server refused).
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
_sequence = itertools.count()


class SaveToFolder:
    """aiosmtpd handler: accept every message and write it to ``folder`` (subclass it to script other replies)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook name
        self.save(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        return "250 2.0.0 OK: bericht ontvangen"

    def save(self, mail_from: str, rcpt_tos: list[str], content: bytes | str) -> Path:
        data = content.encode("utf-8") if isinstance(content, str) else content
        head = f"X-Envelope-From: {mail_from}\r\nX-Envelope-To: {', '.join(rcpt_tos)}\r\n".encode()
        name = f"{time.time_ns()}-{next(_sequence):06d}.eml"
        partial = self.folder / f".{name}.part"
        partial.write_bytes(head + data)
        os.replace(partial, self.folder / name)  # a reader never sees half a message
        return self.folder / name


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now (aiosmtpd 1.4 cannot start on port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def local_smtp_server(folder: Path, *, handler: Any = None, **options: Any) -> Iterator[tuple[str, int]]:
    """Run an SMTP server on 127.0.0.1 for the duration of the block; yields ``(host, port)``.

    ``options`` go to aiosmtpd's Controller and SMTP class, e.g. ``tls_context=..., require_starttls=True``,
    ``authenticator=...`` or ``ssl_context=...`` (TLS from the first byte, as on port 465).
    """
    from aiosmtpd.controller import Controller

    quiet = [logging.getLogger(name) for name in ("mail.log", "mail.debug")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    controller = None
    try:
        for attempt in range(3):  # the free port may be taken between probing and binding
            controller = Controller(handler or SaveToFolder(folder), hostname=HOST, port=free_port(), **options)
            try:
                controller.start()
                break
            except OSError:
                controller = None
                if attempt == 2:
                    raise
        assert controller is not None
        yield HOST, int(controller.port)
    finally:
        if controller is not None:
            controller.stop()
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)


def received_messages(folder: Path) -> list[EmailMessage]:
    """Every message the local server saved in ``folder``, oldest first (line ends as in Python: ``\\n``)."""
    parser = BytesParser(policy=default)
    return [parser.parsebytes(path.read_bytes().replace(b"\r\n", b"\n")) for path in sorted(Path(folder).glob("*.eml"))]
