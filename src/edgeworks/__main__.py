"""Allow ``python -m edgeworks``."""

from edgeworks.cli import main

raise SystemExit(main())
