"""``python -m graftlab_lsp [--stdio]``."""

import sys

from graftlab_lsp.server import main

sys.exit(main())
