"""Content-addressed uploads: an object whose sha256 metadata matches the file is not sent again.

Asset keys already carry the content hash (``assets/<sha16>/<file>``); the full sha256 travels as
object metadata, so the check is one HEAD request. Assets are sent from the bytes read at compile
time (the bytes their key was computed from), so a script edited or deleted since cannot put
other content under that key. Data files keep their fixed keys (``data/train/...``) and are
compared the same way, so an unchanged data file never starts a run; each is opened once, hashed
and sent from the same handle, and one that has vanished since compile is an error that names
its blueprint field and line.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from .faults import DeployError, translate

SHA_METADATA = "sha256"  # x-amz-meta-sha256
CHUNK = 1 << 20
THREADED_ABOVE = 8 * 1024 * 1024  # s3transfer's multipart threshold: below it, one PutObject


@dataclass(frozen=True)
class Upload:
    """One file and where it goes; ``data`` is its content when it was read at compile time."""

    source: Path
    key: str
    sha256: str
    data: bytes | None = None


def _digest(handle, algorithm: str = "sha256") -> str:
    """The hex digest of an open file, read in chunks; the handle is left at its start."""
    digest = hashlib.new(algorithm, usedforsecurity=False)
    handle.seek(0)
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def size_text(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:,} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return str(count)


def is_current(s3, bucket: str, upload: Upload, handle=None) -> bool:
    """True when ``bucket`` already holds this exact content under the key (``handle``: the open
    file, for the ETag comparison of objects uploaded by other means)."""
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
    if "-" in etag:
        return False
    if upload.data is not None:
        return etag == hashlib.md5(upload.data, usedforsecurity=False).hexdigest()
    if handle is None:
        with open(upload.source, "rb") as opened:
            return etag == _digest(opened, "md5")
    return etag == _digest(handle, "md5")


def put(s3, bucket: str, upload: Upload, *, out=print, origin=None) -> bool:
    """Upload unless current; returns True when something was sent. ``origin`` (the blueprint
    field that named the file) locates the error when the file is gone."""
    if upload.data is not None:
        return _send(s3, bucket, upload, io.BytesIO(upload.data), len(upload.data), out, origin)
    try:
        handle = open(upload.source, "rb")
    except OSError as error:
        raise vanished(upload.source, origin, error) from None
    with handle:
        try:
            size = _size(handle)
            upload = Upload(upload.source, upload.key, _digest(handle))
        except OSError as error:
            raise vanished(upload.source, origin, error) from None
        return _send(s3, bucket, upload, handle, size, out, origin)


def put_file(s3, bucket: str, source: Path, key: str, *, out=print, origin=None) -> bool:
    """Upload one local file (a data file) under ``key`` unless the bucket has it already."""
    return put(s3, bucket, Upload(Path(source), key, ""), out=out, origin=origin)


def _size(handle) -> int:
    import os

    return os.fstat(handle.fileno()).st_size


def _send(s3, bucket: str, upload: Upload, handle, size: int, out, origin) -> bool:
    target = f"s3://{bucket}/{upload.key}"
    try:
        current = is_current(s3, bucket, upload, handle)
    except OSError as error:  # reading the file for its MD5
        raise vanished(upload.source, origin, error) from None
    if current:
        out(f"  unchanged  {target} ({size_text(size)})")
        return False
    out(f"  uploading  {upload.source.name} ({size_text(size)}) -> {target}")
    from boto3.s3.transfer import TransferConfig

    handle.seek(0)
    try:
        # Small files go in one PutObject on this thread, so Ctrl-C stops them at once;
        # larger ones go in parallel parts (multipart), as `aws s3 cp` sends them.
        s3.upload_fileobj(handle, bucket, upload.key,
                          ExtraArgs={"Metadata": {SHA_METADATA: upload.sha256}},
                          Config=TransferConfig(use_threads=size > THREADED_ABOVE))
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"uploading {upload.source} to {target}") from None
    return True


def vanished(path: Path, origin, error: OSError) -> DeployError:
    """A local file that could not be read at upload time, located at the field that named it."""
    where = f"{origin.location}: {origin.field}: " if origin is not None and origin.location \
        else (f"{origin.field}: " if origin is not None else "")
    gone = isinstance(error, FileNotFoundError)
    what = "is gone: it was there when the blueprint was compiled, but not when deploy came " \
           "to upload it" if gone else f"could not be read ({error.strerror or error})"
    field = origin.field if origin is not None else "the blueprint"
    return DeployError(f"{where}the file {path} {what}",
                       f"put the file back (or change {field} to a file that exists) and rerun "
                       "deploy: what was uploaded before stays, and unchanged files are not sent "
                       "again")
