"""``python -m graftlab.annotate``: run ``graft annotate`` standalone."""

from graftlab.annotate.cli import main

raise SystemExit(main())
