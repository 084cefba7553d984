"""Profile photos (``roster.ports.photos``; S3 in production): presigned uploads whose
policy enforces type and size, images sent through the API itself (checked here by their
first bytes: the web app's CSP keeps the browser on its own origin), and short-lived
presigned reads. The bucket is private; nothing is ever public."""

from __future__ import annotations

import uuid

from roster.errors import PayloadTooLarge, ValidationFailed
from roster.models.agents_api import MAX_PHOTO_BYTES, PHOTO_TYPES, PhotoUpload
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


# Each type's magic number (its own specification): JPEG's SOI marker and the first
# segment's marker byte, PNG's 8-byte signature, WebP's RIFF container of form "WEBP".
_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}


def sniff(body: bytes) -> str | None:
    """The photo type ``body``'s first bytes say it is, or ``None``."""
    if body.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(body) >= 12 and body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    return None


def checked_image(body: bytes, declared: str | None) -> str:
    """The media type of a photo sent as the body: ``declared`` (``Content-Type``) must be
    a photo type and the bytes must be one of that type (``422`` otherwise, an empty body
    too), at most ``MAX_PHOTO_BYTES`` (``413``)."""
    media = (declared or "").partition(";")[0].strip().lower()
    if media not in PHOTO_TYPES:
        raise ValidationFailed(
            "Send the image itself as the body, with Content-Type image/jpeg, image/png "
            "or image/webp", errors=[{"field": "Content-Type",
                                      "message": "Must be image/jpeg, image/png or image/webp"}])
    if not body:
        raise ValidationFailed("The body is empty: send the image itself",
                               errors=[{"field": "body", "message": "Is empty"}])
    if len(body) > MAX_PHOTO_BYTES:
        raise PayloadTooLarge(f"A photo takes at most {MAX_PHOTO_BYTES // (1024 * 1024)} MiB")
    if sniff(body) != media:
        raise ValidationFailed(f"The body is not a {_NAMES[media]} image",
                               errors=[{"field": "body",
                                        "message": f"Is not a {_NAMES[media]} image"}])
    return media


def store(key: str, body: bytes, content_type: str) -> None:
    photo_storage().put(key, body, content_type)


def photo_url(key: str | None) -> str | None:
    if not key:
        return None
    return photo_storage().presign_read(key, READ_SECONDS)


def delete_photo(key: str) -> None:
    photo_storage().delete(key)
