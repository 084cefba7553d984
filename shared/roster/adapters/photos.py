"""``PhotoStorage`` on S3: the private photo bucket, reached by presigned requests."""

from __future__ import annotations

from roster import aws
from roster.config import get_settings


class S3PhotoStorage:
    def presign_upload(self, key: str, content_type: str, max_bytes: int,
                       expires_in: int) -> tuple[str, dict[str, str]]:
        post = aws.s3().generate_presigned_post(
            Bucket=get_settings().photo_bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return str(post["url"]), {name: str(value) for name, value in post["fields"].items()}

    def put(self, key: str, body: bytes, content_type: str) -> None:
        aws.s3().put_object(Bucket=get_settings().photo_bucket, Key=key, Body=body,
                            ContentType=content_type)

    def presign_read(self, key: str, expires_in: int) -> str:
        return aws.s3().generate_presigned_url(
            "get_object", Params={"Bucket": get_settings().photo_bucket, "Key": key},
            ExpiresIn=expires_in,
        )

    def delete(self, key: str) -> None:
        aws.s3().delete_object(Bucket=get_settings().photo_bucket, Key=key)
