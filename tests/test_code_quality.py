"""ruff and mypy stay clean: checked in the test run so CI guards them like behaviour."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, running_in_ci


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(args[0]) is None:
        message = f"{args[0]} is not installed (pip install '.[test]')"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_lint_is_clean() -> None:
    result = run_tool("ruff", "check", "quizgen", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = run_tool("ruff", "format", "--check", "quizgen", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = run_tool("mypy", "--python-executable", sys.executable)
    assert result.returncode == 0, result.stdout + result.stderr
