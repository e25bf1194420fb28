"""``python -m graftlab.cli``."""

import sys

from graftlab.cli.main import main

sys.exit(main())
