"""``PhotoStorage`` in memory: presigned requests are plain URLs naming the key."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MemoryPhotoStorage:
    deleted: list[str] = field(default_factory=list)
    stored: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def presign_upload(self, key: str, content_type: str, max_bytes: int,
                       expires_in: int) -> tuple[str, dict[str, str]]:
        return "memory://photos", {"key": key, "Content-Type": content_type,
                                   "maxBytes": str(max_bytes), "expiresIn": str(expires_in)}

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.stored[key] = (body, content_type)

    def presign_read(self, key: str, expires_in: int) -> str:
        return f"memory://photos/{key}?expires={expires_in}"

    def delete(self, key: str) -> None:
        self.stored.pop(key, None)
        self.deleted.append(key)
