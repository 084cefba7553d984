"""The web app (``web/``, built into ``web/dist`` by ``make run``) at ``/app/``, on the
API's origin, as CloudFront serves it deployed: the files of the build, ``index.html``
for the app's own routes (``/app/verify-email`` and the like), and the headers of the
contract's "v2 decisions" (the Content-Security-Policy, no referrer, ``nosniff``; no HSTS
over plain http)."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from roster.errors import PROBLEM_CONTENT_TYPE, problem_document

from roster_local.gateway import LocalResponse

APP_PREFIX = "/app"
DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
_READ_METHODS = ("GET", "HEAD")
# Vite puts a content hash in every file name under assets/: cached for good. Anything
# else (index.html) is asked again each time, so a new build shows at once.
_HASHED = "assets/"


def content_security_policy(photo_origin: str) -> str:
    """The contract's policy; ``photo_origin`` is where the photo bucket's presigned URLs
    point (locally: the embedded moto server)."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' blob: data: {photo_origin}; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def is_app_path(path: str) -> bool:
    return path == APP_PREFIX or path.startswith(APP_PREFIX + "/")


def serve_app(method: str, path: str, photo_origin: str, dist: Path = DIST) -> LocalResponse:
    """The answer to ``method path`` under ``/app`` (``is_app_path``)."""
    headers = {
        "Content-Security-Policy": content_security_policy(photo_origin),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    if method not in _READ_METHODS:
        return _problem(405, "method_not_allowed", "Method not allowed",
                        "The web app's files are read with GET or HEAD",
                        {**headers, "Allow": ", ".join(_READ_METHODS)})
    if path == APP_PREFIX:
        return LocalResponse(308, {**headers, "Location": APP_PREFIX + "/"}, b"")
    index = dist / "index.html"
    if not index.is_file():
        return _problem(503, "service_unavailable", "The web app is not built",
                        "Build it with `make run` (or `make web`)", headers)
    relative = path[len(APP_PREFIX) + 1:]
    file = _file_in(dist, relative)
    if file is None:
        if "." in relative.rsplit("/", 1)[-1]:
            # a missing asset is a 404, not the app's page (a script served as HTML
            # would only confuse the browser)
            return _problem(404, "not_found", "Not found", f"No file {path}", headers)
        file = index
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type == "application/javascript":
        content_type += "; charset=utf-8"
    cache = ("public, max-age=31536000, immutable" if relative.startswith(_HASHED)
             and file != index else "no-cache")
    body = file.read_bytes()
    return LocalResponse(200, {**headers, "Content-Type": content_type,
                               "Cache-Control": cache},
                         b"" if method == "HEAD" else body)


def _file_in(dist: Path, relative: str) -> Path | None:
    """The file ``relative`` names inside ``dist``, never outside it (``..``, symlinks)."""
    if not relative or "\\" in relative or "\x00" in relative:
        return None
    candidate = (dist / relative).resolve()
    root = dist.resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def _problem(status: int, code: str, title: str, detail: str,
             headers: dict[str, str]) -> LocalResponse:
    body = json.dumps(problem_document(status, code, title, detail)).encode("utf-8")
    return LocalResponse(status, {**headers, "Content-Type": PROBLEM_CONTENT_TYPE}, body)
