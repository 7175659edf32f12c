"""``python -m idlc``: the same as the ``idlc`` command."""

from .cli import run

run()
