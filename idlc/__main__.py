"""``python -m idlc``: the same as the ``idlc`` command."""

import sys

from .cli import main

sys.exit(main())
