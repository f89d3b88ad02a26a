"""``python -m cxml.scoring``: the same as ``cxml score``."""

import sys

from cxml.cli.score import main

sys.exit(main())
