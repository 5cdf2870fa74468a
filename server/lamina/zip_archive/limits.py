"""What a Lambda deployment package may be: Lambda's limits for one, the modes its files get, and
the one error for a package that cannot be built or unpacked.

Both sides of a package share these: deploy/ builds zips with these modes, and the unpacker (here,
below project/ and deploy/, which both unpack) refuses what breaks the limits.
"""

from __future__ import annotations

# Lambda's limits for a direct (not S3) upload.
MAX_ZIPPED_BYTES = 50 * 1024 * 1024  # 52,428,800
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024  # 262,144,000
MAX_ENTRIES = 200_000

FILE_MODE = 0o644
EXEC_MODE = 0o755
DIR_MODE = 0o755


class PackageError(ValueError):
    """A package could not be built or unpacked; the message says why, in one line."""
