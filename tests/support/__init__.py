"""The suite's test support: ``plugin`` (every fixture, loaded by ``tests/conftest.py``)
and one module per concern: ``stack`` (moto's AWS), ``agents`` (agents written as
``POST /agents`` writes them, the passwords), ``api`` (sign-in, a signed-in caller),
``aws_calls`` (the AWS round trips a block makes), ``catalog``, ``two_factor``, ``mail``,
``clocks``, ``audit``, ``concurrency``; over HTTP: ``server``, ``http``, ``parallel``.

Importable as ``support`` (``tests/`` is on ``sys.path``: pytest puts the root
``conftest.py``'s directory there; the bench adds it).
"""
