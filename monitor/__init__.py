"""school-monitor: follow what is said publicly about a school, to discuss it in real life.

The package is read-only towards every platform. Library code logs through ``logging.getLogger(__name__)``;
only the CLI configures output.
"""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
