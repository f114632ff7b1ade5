"""Print HTML to PDF in headless Chromium, as a user's browser would (see shared notes/print.md).

Without Chromium the print tests skip on a developer's machine and FAIL in CI (CI=true)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import running_in_ci

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium() -> str:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    message = "Chromium is needed to test printing (apt-get install chromium poppler-utils)"
    if running_in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def print_pdf(html: Path, pdf: Path) -> Path:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    # Chromium exits 0 even when it printed nothing: the PDF must exist and have pages.
    assert pdf.is_file() and pdf.stat().st_size > 0, f"Chromium printed no PDF for {html}"
    return pdf
