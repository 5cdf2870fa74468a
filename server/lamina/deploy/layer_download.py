"""ARN layers, downloaded once with the user's credentials and kept in the shared cache.

`GetLayerVersionByArn` names the layer version's content (`Content.Location`, a pre-signed URL
on AWS, the emulator's own download URL under `lamina serve`); the zip is fetched, checked
against `Content.CodeSha256`, unpacked safely (zip_archive.unpack) and kept per ARN:

    ~/.cache/lamina/layers/arn/<region>/<account>/<name>/<version>/

A layer version never changes, so once there it is used offline. The client is an ordinary
boto3 Lambda client in the ARN's region: the configured profile (`credentials.profile`), the
default chain, and `AWS_ENDPOINT_URL_LAMBDA` when set (the emulator, or moto server in tests;
an endpoint on loopback gets dummy credentials, never the user's).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import shutil
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lamina.cache_counters import count
from lamina.deploy.download_progress import DownloadProgress, size_text
from lamina.listen_address import is_loopback
from lamina.zip_archive.limits import PackageError
from lamina.zip_archive.unpack import unpack_package

log = logging.getLogger(__name__)

CHUNK = 1 << 20


def _marker(folder: Path) -> Path:
    """Beside the folder, not in it: nothing of Lamina's shows in /opt."""
    return folder.with_name(folder.name + ".complete")


class LayerDownloadError(RuntimeError):
    """One line for the user: the ARN, what failed, and the ways out."""


def _ways_out(arn: str) -> str:
    return (
        f'map it to a folder in the layers setting ("layers": {{"{arn}": "path/to/layer"}}), '
        "or configure AWS credentials that may read it (credentials.profile, AWS_PROFILE)"
    )


# An ARN -> what reports its download's progress, called with (bytes so far, total or 0, done).
ProgressFor = Callable[[str], Callable[..., None]]


def log_progress(arn: str) -> DownloadProgress:
    """Progress as log lines (the language server's log; the emulator's)."""
    return DownloadProgress(f"layer {arn}", lambda line: log.warning("%s", line))


class LayerDownloader:
    def __init__(
        self,
        cache_dir: Path,
        profile: str | None = None,
        progress: ProgressFor = log_progress,
        client: Any = None,
    ) -> None:
        """`client`: the Lambda client to ask (`lamina pull`'s target), else one per ARN's
        region as below."""
        self.cache_dir = cache_dir
        self.profile = profile
        self.progress = progress
        self.client = client

    def folder_for(self, arn: str) -> Path:
        parts = arn.split(":")
        if len(parts) != 8 or parts[5] != "layer" or not parts[7].isdigit():
            raise LayerDownloadError(f"layer {arn}: not a layer version ARN")
        region, account, name, version = parts[3], parts[4], parts[6], parts[7]
        return self.cache_dir / "arn" / region / account / name / version

    def __call__(self, arn: str) -> Path:
        """The layer's folder (its content, as Lambda extracts it into /opt)."""
        folder = self.cached(arn)
        if folder is not None:
            return folder
        folder = self.folder_for(arn)
        described = self._describe(arn)
        content = described.get("Content") or {}
        location = content.get("Location")
        if not location:
            raise LayerDownloadError(f"layer {arn}: AWS gave no download location for it")
        data = self._download(arn, str(location), int(content.get("CodeSize") or 0))
        expected = content.get("CodeSha256")
        actual = base64.b64encode(hashlib.sha256(data).digest()).decode()
        if expected and expected != actual:
            raise LayerDownloadError(
                f"layer {arn}: the download does not match its CodeSha256 (got {actual}, "
                f"expected {expected}); try again"
            )
        self._unpack(arn, data, folder, {"CodeSize": len(data), "CodeSha256": actual})
        return folder

    def cached(self, arn: str) -> Path | None:
        """The layer's folder when a download put it in the cache already (one stat), else None."""
        folder = self.folder_for(arn)
        return folder if _marker(folder).exists() else None

    def cached_sizes(self, arn: str) -> tuple[int, int] | None:
        """(CodeSize, unzipped size) of a layer downloaded before, or None: the emulator shows
        another account's layer with its real CodeSize once it is in the cache."""
        try:
            recorded = json.loads(_marker(self.folder_for(arn)).read_text())
            return int(recorded["CodeSize"]), int(recorded["UnzippedSize"])
        except (OSError, ValueError, KeyError, TypeError, LayerDownloadError):
            return None  # not downloaded (or by an older Lamina, which kept no sizes)

    def _client(self, region: str) -> Any:
        if self.client is not None:
            return self.client
        import boto3

        endpoint = os.environ.get("AWS_ENDPOINT_URL_LAMBDA") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint and is_loopback(urllib.parse.urlsplit(endpoint).hostname or ""):
            # A local emulator (lamina serve, moto): dummy credentials, never the user's.
            return boto3.Session().client(
                "lambda",
                region_name=region,
                aws_access_key_id="lamina",
                aws_secret_access_key="lamina",
            )
        session = boto3.Session(profile_name=self.profile) if self.profile else boto3.Session()
        return session.client("lambda", region_name=region)

    def _describe(self, arn: str) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            client = self._client(arn.split(":")[3])
            found: dict[str, Any] = client.get_layer_version_by_arn(Arn=arn)
            return found
        except NoCredentialsError:
            raise LayerDownloadError(
                f"layer {arn}: no AWS credentials to download it with: {_ways_out(arn)}"
            ) from None
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "error")
            message = " ".join(str(e.response.get("Error", {}).get("Message", "")).split())
            message = message if len(message) <= 200 else message[:200] + "..."
            raise LayerDownloadError(
                f"layer {arn}: AWS refused GetLayerVersionByArn ({code}: {message}): "
                f"{_ways_out(arn)}"
            ) from None
        except BotoCoreError as e:
            raise LayerDownloadError(f"layer {arn}: {e}: {_ways_out(arn)}") from None

    def _download(self, arn: str, location: str, size: int) -> bytes:
        count("layer download")
        shown = f" ({size_text(size)})" if size else ""
        log.warning("layer %s: downloading it once%s into %s", arn, shown, self.cache_dir)
        report = self.progress(arn)
        chunks: list[bytes] = []
        received = 0
        try:
            with urllib.request.urlopen(location, timeout=60) as response:  # noqa: S310
                total = int(response.headers.get("Content-Length") or size or 0)
                while True:
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    received += len(chunk)
                    report(received, total)
        except OSError as e:
            raise LayerDownloadError(
                f"layer {arn}: the download failed ({e}); try again, or {_ways_out(arn)}"
            ) from None
        report(received, total, done=True)
        return b"".join(chunks)

    def _unpack(self, arn: str, data: bytes, folder: Path, sizes: dict[str, object]) -> None:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = folder.parent / f".tmp-{uuid.uuid4().hex}"
        try:
            try:
                count("layer zip read")
                unpack_package(data, staging)
            except PackageError as e:
                raise LayerDownloadError(f"layer {arn}: its zip can't be used: {e}") from None
            if folder.exists():  # an earlier, interrupted download
                shutil.rmtree(folder, ignore_errors=True)
            staging.rename(folder)
            unzipped = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            recorded = {"Arn": arn, **sizes, "UnzippedSize": unzipped}
            _marker(folder).write_text(json.dumps(recorded) + "\n")  # last: the folder is complete
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
