"""Atomic output: a file is either the old one or the complete new one, never half-written, and
no temp file outlives its writer."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from quizgen import output
from quizgen.errors import OutputError, QuizgenError
from quizgen.output import TMP_PREFIX, atomic_path, atomic_write, sweep_stale_temp_files

REPO = Path(__file__).parent.parent


def temp_files(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith(TMP_PREFIX))


def test_writes_text_as_utf8_and_bytes_as_is(tmp_path: Path) -> None:
    atomic_write(str(tmp_path / "a.txt"), "Сирия — سوريا\n")
    atomic_write(str(tmp_path / "b.bin"), b"\x00\xff")
    assert (tmp_path / "a.txt").read_bytes() == "Сирия — سوريا\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert temp_files(tmp_path) == []


def test_replaces_and_creates_missing_folders(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "quiz.html"
    atomic_write(str(target), "one")
    atomic_write(str(target), "two")
    assert target.read_text() == "two"
    assert temp_files(target.parent) == []


def test_the_temp_file_is_beside_the_target_with_our_prefix_and_pid(tmp_path: Path) -> None:
    with atomic_path(str(tmp_path / "deck.apkg")) as tmp:
        name = os.path.basename(tmp)
        assert os.path.dirname(tmp) == str(tmp_path)  # same folder: the rename is atomic
        assert name.startswith(f"{TMP_PREFIX}{os.getpid()}-") and name.endswith("-deck.apkg")
        Path(tmp).write_text("x")
    assert (tmp_path / "deck.apkg").read_text() == "x"


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt(), SystemExit(3)])
def test_an_error_while_writing_keeps_the_old_file_and_removes_the_temp(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "quiz.html"
    target.write_text("previous")
    with pytest.raises(type(error)), atomic_path(str(target)) as tmp:
        Path(tmp).write_text("half")
        raise error
    assert target.read_text() == "previous"
    assert temp_files(tmp_path) == []


def test_a_new_file_gets_the_usual_mode_and_a_replaced_one_keeps_its_own(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.txt"
        atomic_write(str(fresh), "x")
        assert fresh.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
        kept = tmp_path / "kept.txt"
        kept.write_text("x")
        kept.chmod(0o600)
        atomic_write(str(kept), "y")
        assert kept.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(umask)


def test_a_folder_in_the_way_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "quiz.html").mkdir()
    with pytest.raises(OutputError, match=r"cannot write .*quiz\.html: it is a folder"):
        atomic_write(str(tmp_path / "quiz.html"), "x")
    assert temp_files(tmp_path) == []


def test_a_file_where_the_folder_should_be_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(QuizgenError, match=r"cannot write .*out/quiz\.html"):
        atomic_write(str(tmp_path / "out" / "quiz.html"), "x")
    assert (tmp_path / "out").read_text() == "not a folder"


def test_a_full_disk_is_a_clean_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full)
    with pytest.raises(OutputError, match="No space left on device"):
        atomic_write(str(tmp_path / "deck.apkg"), b"x")
    assert os.listdir(tmp_path) == []


def test_a_bug_in_the_writer_is_not_disguised_as_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_path(str(tmp_path / "x")):
        open(tmp_path / "no" / "such" / "input")  # noqa: SIM115 - the error is the point
    assert temp_files(tmp_path) == []


def test_stale_temp_files_of_dead_writers_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                          capture_output=True, check=True)  # fmt: skip
    dead_pid = int(dead.stdout)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f"{TMP_PREFIX}{dead_pid}-abc-deck.apkg"
        live = tmp_path / f"{TMP_PREFIX}{alive.pid}-def-deck.apkg"
        mine = tmp_path / f"{TMP_PREFIX}{os.getpid()}-ghi-quiz.html"
        odd = tmp_path / f"{TMP_PREFIX}notapid-quiz.html"
        user = tmp_path / "quizgen-notes.txt"
        for f in (stale, live, mine, odd, user):
            f.write_text("x")
        atomic_write(str(tmp_path / "deck.apkg"), b"new")  # any write into the folder sweeps
        assert sorted(os.listdir(tmp_path)) == sorted(
            ["deck.apkg", live.name, mine.name, odd.name, user.name]
        )
        assert sweep_stale_temp_files(str(tmp_path)) == []
    finally:
        alive.kill()
        alive.wait()


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from quizgen.output import atomic_path
    target = sys.argv[1]
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(b"partial new content")
            fh.flush()
            print("writing", flush=True)
            time.sleep(60)
    """
)


def start_writer(target: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "writing\n", proc.stderr.read() if proc.stderr else ""
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_writer_stopped_by_a_signal_leaves_the_old_file_and_no_temp(
    tmp_path: Path, sig: signal.Signals
) -> None:
    target = tmp_path / "deck.apkg"
    target.write_bytes(b"previous build")
    proc = start_writer(target)
    assert len(temp_files(tmp_path)) == 1  # mid-write
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    assert target.read_bytes() == b"previous build"
    assert temp_files(tmp_path) == []


def test_a_writer_killed_outright_leaves_the_old_file_and_the_next_write_sweeps(
    tmp_path: Path,
) -> None:
    target = tmp_path / "deck.apkg"
    target.write_bytes(b"previous build")
    proc = start_writer(target)
    proc.kill()  # SIGKILL: nothing can run in the writer
    proc.wait(timeout=30)
    assert target.read_bytes() == b"previous build"
    assert len(temp_files(tmp_path)) == 1  # the killed writer's leftover
    atomic_write(str(tmp_path / "quiz.html"), "next build")
    assert temp_files(tmp_path) == []
    assert target.read_bytes() == b"previous build"
