"""Use cases: pure logic plus calls to the repository."""
