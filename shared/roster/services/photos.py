"""Profile photos (``roster.ports.photos``; S3 in production): presigned uploads whose
policy enforces type and size, and short-lived presigned reads. The bucket is private;
nothing is ever public."""

from __future__ import annotations

import uuid

from roster.models.agents_api import MAX_PHOTO_BYTES, PhotoUpload
from roster.ports.photos import photo_storage

UPLOAD_SECONDS = 300
READ_SECONDS = 900
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def photo_key(agent_id: str, content_type: str) -> str:
    return f"photos/{agent_id}/{uuid.uuid4().hex}{_EXTENSIONS[content_type]}"


def presign_upload(key: str, content_type: str, content_length: int) -> PhotoUpload:
    """A POST policy for exactly this key and type, at most ``content_length`` bytes."""
    limit = min(content_length, MAX_PHOTO_BYTES)
    url, fields = photo_storage().presign_upload(key, content_type, limit, UPLOAD_SECONDS)
    return PhotoUpload(uploadUrl=url, headers=fields, fields=fields,
                       expiresIn=UPLOAD_SECONDS, maxBytes=limit)


def photo_url(key: str | None) -> str | None:
    if not key:
        return None
    return photo_storage().presign_read(key, READ_SECONDS)


def delete_photo(key: str) -> None:
    photo_storage().delete(key)
