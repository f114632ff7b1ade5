"""The benchmark runs end to end at a small size (timings are reported, never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_benchmark_runs_at_1k_and_writes_every_measurement(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--sizes", "1000", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    (result,) = data["results"]
    assert result["size"] == 1000 and result["items"] > 1000
    assert set(result["stages"]) == {"import", "load", "validate", "generate", "apkg", "html"}
    for key in ("build", "rebuild", "genanki"):
        assert result[key]["wall"] > 0
    assert set(result["ratios"]) == {
        "build_vs_genanki_time",
        "build_vs_genanki_rss",
        "rebuild_vs_build",
    }
    assert data["startup"]["ratio"] > 0 and "time ×" in proc.stdout
