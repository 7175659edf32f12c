"""``python -m fuzz.idl``: run the IDL fuzzer (``--help`` for its options)."""

import sys

from fuzz.idl.run import main

sys.exit(main())
