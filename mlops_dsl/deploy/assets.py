"""Content-addressed uploads: an object whose sha256 metadata matches the file is not sent again.

Asset keys already carry the content hash (``assets/<sha16>/<file>``); the full sha256 travels as
object metadata, so the check is one HEAD request. Data files keep their fixed keys
(``data/train/...``) and are compared the same way, so an unchanged data file never starts a run.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .faults import translate

SHA_METADATA = "sha256"  # x-amz-meta-sha256


@dataclass(frozen=True)
class Upload:
    """One local file and where it goes."""

    source: Path
    key: str
    sha256: str

    @classmethod
    def of(cls, source: Path, key: str) -> Upload:
        return cls(source, key, hashlib.sha256(Path(source).read_bytes()).hexdigest())


def size_text(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:,} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return str(count)


def is_current(s3, bucket: str, upload: Upload) -> bool:
    """True when ``bucket`` already holds this exact content under the key."""
    from botocore.exceptions import ClientError

    try:
        head = s3.head_object(Bucket=bucket, Key=upload.key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise translate(error, f"checking s3://{bucket}/{upload.key}") from None
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"checking s3://{bucket}/{upload.key}") from None
    recorded = head.get("Metadata", {}).get(SHA_METADATA)
    if recorded is not None:
        return recorded == upload.sha256
    # uploaded by other means (e.g. `aws s3 sync`): a single-part ETag is the MD5 of the content
    etag = head.get("ETag", "").strip('"')
    return "-" not in etag and etag == hashlib.md5(upload.source.read_bytes(),
                                                   usedforsecurity=False).hexdigest()


def put(s3, bucket: str, upload: Upload, *, out=print) -> bool:
    """Upload unless current; returns True when something was sent."""
    size = upload.source.stat().st_size
    target = f"s3://{bucket}/{upload.key}"
    if is_current(s3, bucket, upload):
        out(f"  unchanged  {target} ({size_text(size)})")
        return False
    out(f"  uploading  {upload.source.name} ({size_text(size)}) -> {target}")
    try:
        s3.upload_file(str(upload.source), bucket, upload.key,
                       ExtraArgs={"Metadata": {SHA_METADATA: upload.sha256}})
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"uploading {upload.source} to {target}") from None
    return True


def put_all(s3, bucket: str, uploads, *, out=print) -> int:
    """Upload every file not already current; returns how many were sent."""
    return sum(put(s3, bucket, upload, out=out) for upload in uploads)
