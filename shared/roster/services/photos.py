"""Profile photos in S3: presigned uploads whose policy enforces type and size, and
short-lived presigned reads. The bucket is private; nothing is ever public."""

from __future__ import annotations

import uuid

from roster import aws
from roster.config import get_settings
from roster.models.agents_api import MAX_PHOTO_BYTES, PhotoUpload

UPLOAD_SECONDS = 300
READ_SECONDS = 900
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def photo_key(agent_id: str, content_type: str) -> str:
    return f"photos/{agent_id}/{uuid.uuid4().hex}{_EXTENSIONS[content_type]}"


def presign_upload(key: str, content_type: str, content_length: int) -> PhotoUpload:
    """A POST policy for exactly this key and type, at most ``content_length`` bytes."""
    limit = min(content_length, MAX_PHOTO_BYTES)
    post = aws.s3().generate_presigned_post(
        Bucket=get_settings().photo_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, limit]],
        ExpiresIn=UPLOAD_SECONDS,
    )
    fields = {name: str(value) for name, value in post["fields"].items()}
    return PhotoUpload(uploadUrl=post["url"], headers=fields, fields=fields,
                       expiresIn=UPLOAD_SECONDS, maxBytes=limit)


def photo_url(key: str | None) -> str | None:
    if not key:
        return None
    return aws.s3().generate_presigned_url(
        "get_object", Params={"Bucket": get_settings().photo_bucket, "Key": key},
        ExpiresIn=READ_SECONDS,
    )


def delete_photo(key: str) -> None:
    aws.s3().delete_object(Bucket=get_settings().photo_bucket, Key=key)
