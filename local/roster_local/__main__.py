"""``python -m roster_local``: the local server (same as ``roster-local``)."""

from roster_local.server import main

raise SystemExit(main())
