"""``python -m cxml.cli``: the same as ``cxml``."""

import sys

from cxml.cli.main import main

sys.exit(main())
