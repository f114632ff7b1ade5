"""quizgen's benchmark: quizgen against raw genanki writing the same notes, in one run.

    python benchmarks/run.py --sizes 1000,10000,100000 --out benchmarks/results/latest.json

For each size it builds a synthetic deck (benchmarks/synth.py) and measures, each in a fresh
process so that peak memory is that process's own:
  - the stages of a build in one process: load (YAML → located values), validate (→ model),
    generate (→ items), apkg, html — wall time each, peak RSS of the whole;
  - `quizgen build` end to end through the CLI (wall, peak RSS), then a no-change rebuild;
  - the baseline: genanki alone writing as many notes (same field count, one card template each);
    build and baseline take turns --repeat times (default 3), each keeping its fastest run;
  - `quizgen --help` against `python -c "import click"` (median of 5).
Prints a table with the ratios the targets are stated in and writes JSON for comparing commits.
Timings are never asserted in tests: these machines are noisy; ratios measured together are not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGETS = {
    "build_vs_genanki_time": 1.5,
    "build_vs_genanki_rss": 2.0,
    "growth_10k_to_100k": 11.0,
    "rebuild_vs_build": 0.1,
    "help_vs_import_click": 1.5,
}


# --- children: each runs in its own process and prints one JSON line ------------------------------


def child_stages(deck_path: str, out: str) -> dict[str, float]:
    t0 = time.perf_counter()
    from quizgen.build import batch_gc
    from quizgen.export.anki import write_apkg
    from quizgen.export.html import write_quiz, write_study
    from quizgen.generation import generate
    from quizgen.loading.validate import deck_from_values
    from quizgen.loading.yamlsource import parse_file, paused_gc
    from quizgen.selection import select

    quiet_gc = batch_gc()  # as `quizgen build` runs (kept: a dropped context manager exits)
    quiet_gc.__enter__()
    t_import = time.perf_counter()
    data = Path(deck_path).read_bytes()
    t1 = time.perf_counter()
    with paused_gc():  # as read_deck() loads
        root, problems = parse_file(deck_path, data)
        t2 = time.perf_counter()
        deck, problems = deck_from_values(deck_path, root, problems)
    del root
    assert deck is not None, problems
    t3 = time.perf_counter()
    items = generate(deck)
    t4 = time.perf_counter()
    write_apkg(deck, items, os.path.join(out, "deck.apkg"))
    t5 = time.perf_counter()
    chosen = select(items)  # as `quizgen build` does: one selection for quiz and study page
    write_quiz(deck, items, os.path.join(out, "html"), chosen=chosen)
    write_study(deck, items, os.path.join(out, "html"), chosen=chosen)
    t6 = time.perf_counter()
    return {
        "import": t_import - t0,
        "load": t2 - t1,
        "validate": t3 - t2,
        "generate": t4 - t3,
        "apkg": t5 - t4,
        "html": t6 - t5,
        "items": len(items),
        "facts": len(deck.facts),
    }


def child_genanki(notes: int, fields: int, out: str) -> dict[str, float]:
    """The baseline: genanki alone, the same number of notes, one card template per note."""
    import genanki

    model = genanki.Model(
        1_400_000_001,
        "baseline",
        fields=[{"name": f"F{i}"} for i in range(fields)],
        templates=[{"name": "Card 1", "qfmt": "{{F0}}", "afmt": "{{F1}}"}],
    )
    deck = genanki.Deck(1_400_000_002, "baseline")
    text = "According to Reuters, when did the agreement take place? " * 2
    for i in range(notes):
        deck.add_note(
            genanki.Note(
                model=model, fields=[f"{text} {i} {j}" for j in range(fields)], guid=f"g{i}"
            )
        )
    genanki.Package(deck).write_to_file(os.path.join(out, "baseline.apkg"))
    return {"notes": notes}


def _run_child(args: list[str]) -> dict[str, float]:
    """Run this script as a child; return its JSON plus wall time and peak RSS (MiB)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def _run_cmd(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of a command, measured with wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"{' '.join(cmd)} failed: {proc.stderr.read().decode() if proc.stderr else ''}"
        )
    return wall, usage.ru_maxrss / 1024


def measure(size: int, work: Path, repeat: int) -> dict[str, object]:
    sys.path.insert(0, str(HERE))
    from synth import deck as synth_deck

    folder = work / f"n{size}"
    (folder / "decks").mkdir(parents=True, exist_ok=True)
    deck_path = folder / "decks" / "synthetic.yaml"
    deck_path.write_text(synth_deck(size), encoding="utf-8")
    stages_out = folder / "stages"
    stages_out.mkdir(exist_ok=True)
    stages = _run_child(["--child", "stages", str(deck_path), str(stages_out)])
    quizgen = [
        sys.executable,
        "-m",
        "quizgen",
        "-q",
        "build",
        "--format",
        "apkg",
        "--format",
        "html",
    ]
    fields = 10  # quizgen's widest note type
    base_out = folder / "baseline"
    base_out.mkdir(exist_ok=True)
    genanki = [
        sys.executable,
        __file__,
        "--child",
        "genanki",
        str(int(stages["items"])),
        str(fields),
        str(base_out),
    ]
    # Build and baseline take turns, `repeat` times: a burst of load on a shared machine then
    # slows both alike; each keeps its fastest run (the least disturbed), and its largest RSS.
    builds, bases = [], []
    for _ in range(repeat):
        shutil.rmtree(folder / "dist", ignore_errors=True)  # a full build, not a rebuild
        builds.append(_run_cmd(quizgen, folder))
        bases.append(_run_cmd(genanki, REPO))
    build_wall, build_rss = min(w for w, _ in builds), max(r for _, r in builds)
    base_wall, base_rss = min(w for w, _ in bases), max(r for _, r in bases)
    rebuild_wall = min(_run_cmd(quizgen, folder)[0] for _ in range(repeat))
    return {
        "size": size,
        "items": stages["items"],
        "stages": {
            k: stages[k] for k in ("import", "load", "validate", "generate", "apkg", "html")
        },
        "build": {"wall": build_wall, "rss_mib": build_rss},
        "rebuild": {"wall": rebuild_wall},
        "genanki": {"wall": base_wall, "rss_mib": base_rss},
        "ratios": {
            "build_vs_genanki_time": build_wall / base_wall,
            "build_vs_genanki_rss": build_rss / base_rss,
            "rebuild_vs_build": rebuild_wall / build_wall,
        },
    }


def startup() -> dict[str, float]:
    def median(cmd: list[str]) -> float:
        return statistics.median(_run_cmd(cmd, REPO)[0] for _ in range(5))

    help_s = median([sys.executable, "-m", "quizgen", "--help"])
    click_s = median([sys.executable, "-c", "import click"])
    return {"quizgen_help": help_s, "import_click": click_s, "ratio": help_s / click_s}


def table(results: list[dict[str, object]], start: dict[str, float]) -> str:
    rows = [
        f"{'facts':>8} {'items':>8} | {'load':>6} {'valid':>6} {'gen':>6} {'apkg':>6} "
        f"{'html':>6} | {'build s':>8} {'MiB':>6} | {'genanki s':>9} {'MiB':>6} | "
        f"{'time ×':>6} {'RSS ×':>6} {'rebuild ×':>9}"
    ]
    for r in results:
        s, b, g, x = r["stages"], r["build"], r["genanki"], r["ratios"]  # type: ignore[index]
        rows.append(
            f"{r['size']:>8} {r['items']:>8} | {s['load']:>6.2f} {s['validate']:>6.2f} "
            f"{s['generate']:>6.2f} {s['apkg']:>6.2f} {s['html']:>6.2f} | {b['wall']:>8.2f} "
            f"{b['rss_mib']:>6.0f} | {g['wall']:>9.2f} {g['rss_mib']:>6.0f} | "
            f"{x['build_vs_genanki_time']:>6.2f} {x['build_vs_genanki_rss']:>6.2f} "
            f"{x['rebuild_vs_build']:>9.3f}"
        )
    rows.append(
        f"quizgen --help {start['quizgen_help']:.3f}s vs import click "
        f"{start['import_click']:.3f}s: ×{start['ratio']:.2f}"
    )
    by_size = {r["size"]: r for r in results}
    if 10_000 in by_size and 100_000 in by_size:
        growth = by_size[100_000]["build"]["wall"] / by_size[10_000]["build"]["wall"]  # type: ignore[index]
        rows.append(
            f"growth 10k → 100k facts: ×{growth:.2f} (target ≤ {TARGETS['growth_10k_to_100k']})"
        )
    rows.append(
        "targets: build ≤ 1.5× genanki time, ≤ 2× its RSS; rebuild ≤ 0.1× build; "
        "--help ≤ 1.5× import click"
    )
    return "\n".join(rows)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind, args = sys.argv[2], sys.argv[3:]
        result = (
            child_stages(*args)
            if kind == "stages"
            else child_genanki(int(args[0]), int(args[1]), args[2])
        )
        result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated fact counts")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of build and baseline per size (fastest kept)"
    )
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="quizgen-bench-") as tmp:
        results = []
        for size in sizes:
            print(f"measuring {size} facts…", file=sys.stderr)
            results.append(measure(size, Path(tmp), args.repeat))
        start = startup()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    report = {
        "commit": commit,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "results": results,
        "startup": start,
        "targets": TARGETS,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(results, start))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
