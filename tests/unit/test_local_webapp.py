"""The local server's ``/app/``: the build's files, ``index.html`` for the app's routes,
nothing outside ``web/dist``, and the contract's headers on every answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from roster_local.webapp import content_security_policy, is_app_path, serve_app

PHOTOS = "http://127.0.0.1:5555"
INDEX = b"<!doctype html><title>Roster</title>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    built = tmp_path / "dist"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_bytes(INDEX)
    (built / "assets" / "index-abc123.js").write_bytes(b"console.log(1)")
    (tmp_path / "secret.txt").write_text("outside")
    return built


def test_the_policy_is_the_contracts_with_the_photo_origin() -> None:
    assert content_security_policy(PHOTOS) == (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' blob: data: http://127.0.0.1:5555; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@pytest.mark.parametrize("path", ["/app", "/app/", "/app/verify-email", "/app/assets/x.js"])
def test_app_paths(path: str) -> None:
    assert is_app_path(path)


@pytest.mark.parametrize("path", ["/apps", "/application/x", "/agents", "/"])
def test_api_paths(path: str) -> None:
    assert not is_app_path(path)


@pytest.mark.parametrize("path", ["/app/", "/app/verify-email", "/app/security"])
def test_the_app_s_routes_get_index_html_uncached(dist: Path, path: str) -> None:
    response = serve_app("GET", path, PHOTOS, dist)
    assert response.status == 200
    assert response.body == INDEX
    assert response.header("Content-Type") == "text/html; charset=utf-8"
    assert response.header("Cache-Control") == "no-cache"
    assert response.header("Content-Security-Policy") == content_security_policy(PHOTOS)
    assert response.header("Referrer-Policy") == "no-referrer"
    assert response.header("X-Content-Type-Options") == "nosniff"
    assert response.header("Strict-Transport-Security") is None


def test_hashed_assets_are_cached_for_good(dist: Path) -> None:
    response = serve_app("GET", "/app/assets/index-abc123.js", PHOTOS, dist)
    assert response.status == 200 and response.body == b"console.log(1)"
    assert "javascript" in (response.header("Content-Type") or "")
    assert response.header("Cache-Control") == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("path", ["/app/assets/missing.js", "/app/../secret.txt",
                                  "/app/%2e%2e/secret.txt", "/app/assets/../../secret.txt"])
def test_missing_files_and_escapes_are_404(dist: Path, path: str) -> None:
    response = serve_app("GET", path, PHOTOS, dist)
    assert response.status == 404
    assert b"outside" not in response.body
    assert response.header("Content-Security-Policy") == content_security_policy(PHOTOS)


def test_a_symlink_out_of_the_build_is_not_followed(dist: Path) -> None:
    (dist / "leak.txt").symlink_to(dist.parent / "secret.txt")
    assert serve_app("GET", "/app/leak.txt", PHOTOS, dist).status == 404


def test_app_without_slash_redirects(dist: Path) -> None:
    response = serve_app("GET", "/app", PHOTOS, dist)
    assert response.status == 308 and response.header("Location") == "/app/"


def test_head_has_no_body_and_other_methods_are_405(dist: Path) -> None:
    head = serve_app("HEAD", "/app/", PHOTOS, dist)
    assert head.status == 200 and head.body == b""
    post = serve_app("POST", "/app/", PHOTOS, dist)
    assert post.status == 405 and post.header("Allow") == "GET, HEAD"


def test_an_unbuilt_app_says_how_to_build_it(tmp_path: Path) -> None:
    response = serve_app("GET", "/app/", PHOTOS, tmp_path / "nothing")
    assert response.status == 503
    assert b"make run" in response.body
