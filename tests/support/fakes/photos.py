"""``PhotoStorage`` in memory: presigned requests are plain URLs naming the key."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MemoryPhotoStorage:
    deleted: list[str] = field(default_factory=list)

    def presign_upload(self, key: str, content_type: str, max_bytes: int,
                       expires_in: int) -> tuple[str, dict[str, str]]:
        return "memory://photos", {"key": key, "Content-Type": content_type,
                                   "maxBytes": str(max_bytes), "expiresIn": str(expires_in)}

    def presign_read(self, key: str, expires_in: int) -> str:
        return f"memory://photos/{key}?expires={expires_in}"

    def delete(self, key: str) -> None:
        self.deleted.append(key)
