# every fixture: tests/support/plugin.py; a route no test calls fails the whole suite:
# tests/support/route_coverage.py
pytest_plugins = ["support.plugin", "support.route_coverage", "support.browser"]
