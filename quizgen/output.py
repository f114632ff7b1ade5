"""Atomic output: every file is written to a temp file in its own folder and renamed into place,
so an interrupted build leaves the previous file intact and no half-written one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

TMP_PREFIX = ".quizgen-tmp-"


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temp path beside `path`; on success it replaces `path`, on error it is removed."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=os.path.basename(path), dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write(path: str, data: str | bytes) -> None:
    """Write text (UTF-8) or bytes to `path` atomically."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(raw)
        fh.flush()
        os.fsync(fh.fileno())
