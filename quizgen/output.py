"""Atomic output: every file is written to a temp file in its own folder and renamed into place,
so an interrupted build leaves the previous file intact and no half-written one."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from types import FrameType

from quizgen.errors import OutputError

TMP_PREFIX = ".quizgen-tmp-"  # then the writer's pid: `.quizgen-tmp-<pid>-<random>-<name>`

# Errors that say the place is unwritable (full, read-only, forbidden), not that our code is wrong.
_ENVIRONMENT_ERRNOS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.EFBIG,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.EEXIST,
    errno.ENAMETOOLONG,
}


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temp path beside `path`; on success it replaces `path`, on error it is removed.

    Problems of the place (disk full, read-only, a folder where the file should go) raise
    OutputError naming `path`. SIGTERM/SIGHUP while the temp file exists unwind like Ctrl-C, so
    the temp file is removed; temp files left by a killed process are removed by the next write
    into the same folder."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        sweep_stale_temp_files(folder)
        fd, tmp = tempfile.mkstemp(
            prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=f"-{os.path.basename(path)}", dir=folder
        )
        os.close(fd)
    except OSError as e:
        raise _output_error(path, e) from e
    try:
        with _signals_unwind():
            yield tmp
            os.chmod(tmp, _mode_for(path))
            os.replace(tmp, path)
        _sync_folder(folder)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError) and (e.errno in _ENVIRONMENT_ERRNOS or e.filename == tmp):
            raise _output_error(path, e) from e
        raise


def atomic_write(path: str, data: str | bytes) -> None:
    """Write text (UTF-8) or bytes to `path` atomically."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(raw)
        fh.flush()
        os.fsync(fh.fileno())


def sweep_stale_temp_files(folder: str) -> list[str]:
    """Remove temp files whose writer is no longer running (it was killed mid-write).

    Only names with our prefix and a pid are touched, and never those of a live process."""
    removed: list[str] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(TMP_PREFIX):
            continue
        pid_text = name[len(TMP_PREFIX) :].partition("-")[0]
        if not pid_text.isdigit() or _running(int(pid_text)):
            continue
        path = os.path.join(folder, name)
        with contextlib.suppress(FileNotFoundError):
            if os.path.isdir(path) and not os.path.islink(path):  # a killed build's staging
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
            removed.append(name)
    return removed


def temp_name(folder: str, what: str) -> str:
    """A fresh name for a temp file or folder of this process in `folder` (not created)."""
    return os.path.join(folder, f"{TMP_PREFIX}{os.getpid()}-{os.urandom(4).hex()}-{what}")


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or a number we cannot judge: leave it alone
    return True


def _read_umask() -> int:
    umask = os.umask(0)  # the only portable way to read it is to set it
    os.umask(umask)
    return umask


_UMASK = _read_umask()  # once, at import: setting it later could race with other threads


def _mode_for(path: str) -> int:
    """Keep the mode of the file being replaced; a new file gets the usual 0666 & ~umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (a crash right after must not bring the old file back)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _signals_unwind() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into SystemExit while a temp file exists, so cleanup runs.

    (Python's default for them is to die on the spot, leaving the temp file behind.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def unwind(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    # Only default handlers are replaced (and restored): someone else's handler stays in charge.
    ours = [s for s in (signal.SIGTERM, signal.SIGHUP) if signal.getsignal(s) is signal.SIG_DFL]
    for sig in ours:
        signal.signal(sig, unwind)
    try:
        yield
    finally:
        for sig in ours:
            signal.signal(sig, signal.SIG_DFL)


def _output_error(path: str, e: OSError) -> OutputError:
    reason = e.strerror or str(e)
    if e.errno == errno.EISDIR or os.path.isdir(path):
        reason = "it is a folder"
    return OutputError(f"cannot write {path}: {reason}")
