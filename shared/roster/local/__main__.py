"""``python -m roster.local``: the local server (same as ``roster-local``)."""

from roster.local.server import main

raise SystemExit(main())
