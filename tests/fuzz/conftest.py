"""The fuzz suite drives its own local server: the same fixture as the acceptance tests
(imported, not copied), but a separate process, so fuzzed changes never leak into them."""

from __future__ import annotations

from tests.acceptance.conftest import local_server

__all__ = ["local_server"]
