"""Weekly digest per school: content, delivery by e-mail, and status.

``run_digests(config, store, week=None, school_id=None, send=False)`` makes the week's digests (see ``run.py``);
heavy imports (pandas, jinja2, matplotlib) happen inside it, so importing this package stays cheap.
"""

from monitor.digest.run import DigestResult, run_digests

__all__ = ["DigestResult", "run_digests"]
