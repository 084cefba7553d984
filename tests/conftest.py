pytest_plugins = ["support.plugin"]  # every fixture: tests/support/plugin.py
