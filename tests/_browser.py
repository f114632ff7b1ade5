"""Print HTML files to PDF with headless Chromium, exactly as a user's browser prints them
(see shared notes: print.md), and read the PDF back with pypdf.

Without Chromium the calling test fails under CI=true (CI installs it: a skip there would hide a
broken print path) and is skipped elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import running_in_ci

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)


def chromium() -> str:
    """The browser's path; fails under CI=true and skips elsewhere when there is none."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    message = "headless Chromium is not installed (apt-get install chromium)"
    if running_in_ci():
        pytest.fail(message)
    pytest.skip(message)
    raise AssertionError("unreachable")


def print_pdf(html: Path, pdf: Path, timeout: float = 120) -> Path:
    """Print one HTML file to `pdf`. Chromium exits 0 even when it could not load the page, so
    the PDF is checked to exist and start like a PDF."""
    browser = chromium()
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="quizgen-chromium-") as profile:
        result = subprocess.run(
            [
                browser,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--print-to-pdf={pdf}",
                html.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "HOME": profile},  # keep the user's own profile out of it
        )
    if not pdf.exists() or not pdf.read_bytes().startswith(b"%PDF"):
        raise AssertionError(
            f"Chromium wrote no PDF for {html} (exit {result.returncode}):\n{result.stderr}"
        )
    return pdf


def print_to_pdf(html_files: Sequence[Path]) -> list[Path]:
    """Print each file to `<file>.pdf` beside it, two browsers at a time; return the PDFs."""
    chromium()  # fail or skip before starting any thread
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda html: print_pdf(html, html.with_suffix(".pdf")), html_files))
