"""The pipeline's S3 stores, served in-process by moto, and their copies in local folders.

Programs that run as subprocesses (the Glue script, the training program) cannot see moto's
in-process S3, so their inputs are copied into folders before they run and their outputs copied
back after, as SageMaker and Glue themselves do between S3 and an instance's disk.
"""
from __future__ import annotations

from pathlib import Path


def split_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/key`` -> (``bucket``, ``some/key``)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {uri!r}")
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


class Stores:
    """Bucket access for the local runner; ``buckets`` maps store short names to bucket names."""

    def __init__(self, client, buckets: dict[str, str]):
        self.s3 = client
        self.buckets = dict(buckets)

    def create(self) -> None:
        """Create every store in the client's region. S3 refuses a CreateBucket outside
        us-east-1 that names no LocationConstraint (IllegalLocationConstraintException), and one
        inside us-east-1 that names it; see the CreateBucket API reference."""
        region = self.s3.meta.region_name
        placement = ({} if region in (None, "us-east-1") else
                     {"CreateBucketConfiguration": {"LocationConstraint": region}})
        for bucket in self.buckets.values():
            self.s3.create_bucket(Bucket=bucket, **placement)

    def put_file(self, bucket: str, key: str, path: Path) -> None:
        self.s3.put_object(Bucket=bucket, Key=key, Body=Path(path).read_bytes())

    def get_bytes(self, bucket: str, key: str) -> bytes:
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        keys = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys

    def download_prefix(self, uri: str, folder: Path) -> list[Path]:
        """Copy every object under an S3 prefix (or the one object a URI names) into ``folder``,
        keeping the key's path below the prefix. Returns the files written."""
        bucket, prefix = split_uri(uri)
        written = []
        for key in self.keys(bucket, prefix):
            if key.endswith("/"):
                continue
            relative = key[len(prefix):].lstrip("/") or key.rsplit("/", 1)[-1]
            path = Path(folder) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.get_bytes(bucket, key))
            written.append(path)
        return written

    def upload_folder(self, folder: Path, bucket: str, prefix: str = "") -> list[str]:
        """Copy every file below ``folder`` to ``bucket`` under ``prefix``; returns the keys."""
        keys = []
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                key = prefix + path.relative_to(folder).as_posix()
                self.put_file(bucket, key, path)
                keys.append(key)
        return keys

    def export(self, workspace: Path) -> dict[str, list[str]]:
        """Copy every store's objects to ``workspace/<store>/<key>``; returns the keys per store
        (a store a run stopped before creating has none)."""
        exported = {}
        existing = {b["Name"] for b in self.s3.list_buckets().get("Buckets", [])}
        for short, bucket in self.buckets.items():
            keys = self.keys(bucket) if bucket in existing else []
            for key in keys:
                path = Path(workspace) / short / key
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(self.get_bytes(bucket, key))
            exported[short] = keys
        return exported
