"""Bulk import: start a job from a CSV file, follow its progress, read its row errors."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponseHeader
from roster.api import (
    JSON,
    LOCATION_HEADER,
    Caller,
    RawBody,
    answer_with_headers,
    api_handler,
    create_app,
    route,
)
from roster.cursor import MAX_CURSOR_LENGTH
from roster.models.import_file import ImportPasswordMode
from roster.models.imports import ImportJob, ImportPage, RowErrorPage
from roster.services import idempotency, imports
from roster.services.idempotency import MAX_KEY_LENGTH
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start

router = Router()

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH,
                                     description="Opaque cursor from the previous page")]
ImportId = Annotated[str, Path(min_length=1, max_length=64, description="The job's id")]
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=MAX_KEY_LENGTH,
    description=f"1-{MAX_KEY_LENGTH} characters: a retry with the same key and file "
                "answers the first job again (Idempotent-Replayed: true) for 24 h")]
REPLAYED_HEADER: dict[str, OpenAPIResponseHeader] = {"Idempotent-Replayed": {
    "description": "`true` when the answer is the first job's, replayed for a retry with "
                   "the same Idempotency-Key", "schema": {"type": "string"}}}


@route(router, "POST /imports", status_code=202,
       responses=answer_with_headers(202, "Queued; Location names the job",
                                     LOCATION_HEADER, REPLAYED_HEADER))
def post_import(upload: RawBody, caller: Caller,
                dryRun: Annotated[bool, Query(description="Check every row, write nothing")]
                = False,
                sendWelcome: Annotated[bool, Query(description="Mail each new agent its "
                                                               "account details")] = True,
                passwordMode: Annotated[ImportPasswordMode, Query(
                    description="invite: each agent sets a password from the welcome "
                                "mail; generate: a temporary one travels in it")] = "invite",
                idempotency_key: IdempotencyKey = None) -> Response[ImportJob]:
    job, replayed = imports.start_import(
        caller.actor, upload.body, content_type=upload.content_type, dry_run=dryRun,
        send_welcome=sendWelcome, password_mode=passwordMode,
        idempotency_key=idempotency_key)
    headers = {"Location": f"/imports/{job.id}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(202, content_type=JSON, body=job, headers=headers)


@route(router, "GET /imports")
def get_imports(limit: Limit = 50, cursor: Cursor = None) -> ImportPage:
    return imports.list_imports(limit=limit, page_cursor=cursor)


@route(router, "GET /imports/{id}")
def get_import(id: ImportId) -> ImportJob:
    return imports.get_import(id)


@route(router, "GET /imports/{id}/errors")
def get_import_errors(id: ImportId, limit: Limit = 50,
                      cursor: Cursor = None) -> RowErrorPage:
    return imports.list_errors(id, limit=limit, page_cursor=cursor)


app = create_app(router)
handler = api_handler(app, on_invoke=idempotency.register_lambda_context)
