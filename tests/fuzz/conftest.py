"""The fuzz suite drives its own local server: the same fixture as the acceptance tests
(imported, not copied), but a separate process, so fuzzed changes never leak into them."""

from __future__ import annotations

from _pytest import nodes

from tests.acceptance.conftest import local_server

__all__ = ["local_server"]

# schemathesis' fixture-based loader (``schemathesis.pytest.from_fixture``) names each
# operation's subtest by rewriting ``node._nodeid``, which pytest 9.2 renamed to ``_id``
# (a parsed NodeId). Give it the old attribute back; pytest < 9.2 still has it.
if not hasattr(nodes.Node, "_nodeid"):
    nodes.Node._nodeid = property(  # type: ignore[attr-defined]
        lambda node: node.nodeid,
        lambda node, value: setattr(node, "_id", nodes.coerce_node_id(value)),
    )
