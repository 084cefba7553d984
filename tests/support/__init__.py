"""Test support shared by the integration (and acceptance) tests: agents written as
``POST /agents`` writes them, sign-in, mail, clocks, audit reads and concurrency.

Importable as ``support`` (``tests/`` is on ``sys.path`` through its ``conftest.py``).
"""
