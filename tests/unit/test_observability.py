"""Secrets never reach a log line, even when code passes them by mistake."""

from __future__ import annotations

import io
import json
import logging

from roster.observability import logger, redact


def test_redact_blanks_secret_named_fields_at_any_depth() -> None:
    value = {"agentId": "a1", "password": "p", "nested": [{"refreshToken": "t", "ok": 1}],
             "backupCode": "c", "Authorization": "Bearer x"}
    assert redact(value) == {"agentId": "a1", "password": "***",
                             "nested": [{"refreshToken": "***", "ok": 1}],
                             "backupCode": "***", "Authorization": "***"}


def test_log_lines_never_carry_secret_extras() -> None:
    # Given the function logger writing to a buffer
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        # When code logs a password and a token by mistake
        logger.info("sign-in", extra={"agent_id": "a1", "new_password": "Hunter2-Hunter2",
                                      "details": {"accessToken": "eyJabc"}})
        logger.info({"event": "x", "session": "s3cr3t"})
    finally:
        handler.setStream(previous)
    # Then the structured lines hold the ids but not the secrets
    output = buffer.getvalue()
    assert "a1" in output
    assert "Hunter2" not in output and "eyJabc" not in output and "s3cr3t" not in output
    lines = [json.loads(line) for line in output.strip().splitlines()]
    assert lines[0]["new_password"] == "***"
