"""Where profile photos are kept: a private bucket reached by presigned, short-lived
requests, or written by the API itself with an image it has checked."""

from __future__ import annotations

from typing import Protocol

from roster.ports import Port


class PhotoStorage(Protocol):
    def presign_upload(self, key: str, content_type: str, max_bytes: int,
                       expires_in: int) -> tuple[str, dict[str, str]]:
        """A POST to ``key`` of exactly ``content_type``, 1..``max_bytes`` bytes: its URL
        and the form fields it needs."""

    def put(self, key: str, body: bytes, content_type: str) -> None:
        """Keep ``body`` (already checked: type and size) at ``key`` as ``content_type``."""

    def presign_read(self, key: str, expires_in: int) -> str: ...

    def delete(self, key: str) -> None: ...


photo_storage = Port[PhotoStorage]("photos")
