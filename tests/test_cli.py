"""The command line, through click's CliRunner, and once for real as an installed wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from click.testing import CliRunner

import quizgen.loading.validate as validate
from quizgen.cli import main
from tests.conftest import DATA, REPO, SHIPPED_DECK


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_help_lists_every_command_with_examples(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "check", "build", "preview", "list", "stats", "watch"):
        assert command in result.output
        sub = runner.invoke(main, [command, "--help"])
        assert sub.exit_code == 0 and "Example" in sub.output, command


def test_init_then_check_then_build(runner: CliRunner, project: Path) -> None:
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert (project / "decks" / "example.yaml").is_file()
    assert (project / "quizgen.yaml").is_file() and (project / "templates" / "README.md").is_file()
    check = runner.invoke(main, ["check", "--strict"])
    assert check.exit_code == 0, check.output
    (project / "quizgen.yaml").unlink()  # the built-in defaults: Anki package and HTML
    built = runner.invoke(main, ["build"])
    assert built.exit_code == 0, built.output
    assert sorted(p.name for p in (project / "dist").iterdir()) == [
        ".quizgen-manifest.json",
        "example",
        "example.apkg",
    ]
    assert sorted(p.name for p in (project / "dist" / "example").iterdir()) == [
        "quiz.html",
        "study.html",
    ]


def test_init_refuses_to_overwrite(runner: CliRunner, project: Path) -> None:
    (project / "quizgen.yaml").write_text("mine")
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 1 and "not overwriting quizgen.yaml" in result.output
    assert (project / "quizgen.yaml").read_text() == "mine"


def test_bad_deck_exit_1_one_line_per_problem_no_traceback(runner: CliRunner, tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "deck: {id: x, title: X}\nsources: {s: {title: S}}\nfacts:\n"
        "  - {id: a, kind: evnt, sources: [s]}\n  - {id: b, kind: role, sources: [t]}\n"
    )
    for command in ("check", "build", "stats", "list"):
        result = runner.invoke(main, [command, str(bad)])
        assert result.exit_code == 1, command
        assert "Traceback" not in result.output
        assert f"{bad}:4:" in result.output and f"{bad}:5:" in result.output
    assert not (tmp_path / "dist").exists()


def test_usage_error_is_exit_2(runner: CliRunner) -> None:
    assert runner.invoke(main, ["build", "--format", "pdfx"]).exit_code == 2
    assert runner.invoke(main, ["nonsense"]).exit_code == 2


def test_check_strict_fails_on_warnings(runner: CliRunner, tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_text(
        "deck: {id: x, title: X}\nsources: {s: {title: S}}\n"
        "entities: {a: {name: Al Person, kind: person}}\n"
        "facts:\n  - {id: r, kind: role, person: a, role: chief, sources: [s]}\n"
    )
    lenient = runner.invoke(main, ["check", str(deck)])
    assert lenient.exit_code == 0 and "warning" in lenient.output and "[no-date]" in lenient.output
    strict = runner.invoke(main, ["check", "--strict", str(deck)])
    assert strict.exit_code == 1 and f"{deck}:5: warning:" in strict.output


def test_shipped_deck_is_clean_under_strict(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "--strict", str(SHIPPED_DECK)])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output


def test_preview_a_fact_and_a_deck(runner: CliRunner) -> None:
    fact = runner.invoke(main, ["preview", "moscow-visit", "--decks", str(DATA / "small.yaml")])
    assert fact.exit_code == 0
    assert "According to Reuters" in fact.output and "* " in fact.output
    assert "denied by Russian officials" in fact.output
    deck = runner.invoke(main, ["preview", str(DATA / "small.yaml")])
    assert deck.exit_code == 0 and deck.output.count("small/") > 20
    missing = runner.invoke(main, ["preview", "moscow-vist", "--decks", str(DATA / "small.yaml")])
    assert missing.exit_code == 1 and "did you mean 'moscow-visit'" in missing.output


def test_build_is_incremental_and_force_rebuilds(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["build", str(DATA / "small.yaml"), "--out", str(out)]
    first = runner.invoke(main, args)
    assert first.exit_code == 0 and "wrote" in first.output
    mtime = (out / "small.apkg").stat().st_mtime_ns
    again = runner.invoke(main, args)
    assert again.exit_code == 0 and "unchanged" in again.output
    assert (out / "small.apkg").stat().st_mtime_ns == mtime
    changed = runner.invoke(main, [*args, "--seed", "3"])  # options are inputs too
    assert "wrote" in changed.output
    forced = runner.invoke(main, [*args, "--seed", "3", "--force"])
    assert "wrote" in forced.output


def refuse_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any deck loaded from here on fails the test: a no-change rebuild must need none."""

    def refuse(*_: object) -> None:
        raise AssertionError("the deck was loaded")

    monkeypatch.setattr(validate, "read_deck", refuse)


def test_a_no_change_rebuild_does_not_load_the_decks(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loading is most of a no-change rebuild's cost on a large deck; the manifest's record of
    # the inputs answers without it. Any change (here: the image) takes the full path again.
    shutil.copy(DATA / "anki_deck.yaml", tmp_path / "deck.yaml")
    shutil.copy(DATA / "anki_pic.png", tmp_path / "anki_pic.png")
    args = ["build", str(tmp_path / "deck.yaml"), "--out", str(tmp_path / "out")]
    assert runner.invoke(main, args).exit_code == 0
    with monkeypatch.context() as patch:
        refuse_loading(patch)
        again = runner.invoke(main, args)
    assert again.exit_code == 0 and "unchanged" in again.output, again.output
    with (tmp_path / "anki_pic.png").open("ab") as fh:
        fh.write(b"\0")
    changed = runner.invoke(main, args)
    assert changed.exit_code == 0 and "wrote" in changed.output, changed.output


def test_the_manifest_names_inputs_relative_to_the_output_folder(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No one's home folder in a manifest that may be published with the outputs; and moving
    # the whole project keeps the no-change shortcut.
    project = tmp_path / "project"
    (project / "decks").mkdir(parents=True)
    shutil.copy(DATA / "small.yaml", project / "decks" / "small.yaml")
    (project / "templates").mkdir()  # the project's overrides: their place moves too
    (project / "templates" / "README.md").write_text("overrides go here")
    monkeypatch.chdir(project)
    assert runner.invoke(main, ["build"]).exit_code == 0
    manifest = json.loads((project / "dist" / ".quizgen-manifest.json").read_text())
    assert str(tmp_path) not in json.dumps(manifest)
    assert manifest["decks"]["small"]["inputs"]["deck"] == os.path.join("..", "decks", "small.yaml")
    moved = tmp_path / "moved"
    project.rename(moved)
    monkeypatch.chdir(moved)
    refuse_loading(monkeypatch)
    again = runner.invoke(main, ["build"])
    assert again.exit_code == 0 and "unchanged" in again.output, again.output


def test_decks_built_apart_are_checked_together_when_built_together(
    runner: CliRunner, tmp_path: Path
) -> None:
    # Each deck unchanged since its own build, but never checked against the other: the
    # shortcut must not hide that they share fact ids.
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    shutil.copy(DATA / "small.yaml", first)
    second.write_text(first.read_text().replace("id: small", "id: small-copy", 1))
    out = ["--out", str(tmp_path / "out")]
    assert runner.invoke(main, ["build", str(first), *out]).exit_code == 0
    assert runner.invoke(main, ["build", str(second), *out]).exit_code == 0
    both = runner.invoke(main, ["build", str(first), str(second), *out])
    assert both.exit_code == 1 and "is already used at" in both.output, both.output


def test_build_refuses_a_folder_with_foreign_files(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    result = runner.invoke(main, ["build", str(DATA / "small.yaml"), "--out", str(out)])
    assert result.exit_code == 1 and "thesis.docx" in result.output
    assert (out / "thesis.docx").read_text() == "precious"
    assert sorted(os.listdir(out)) == ["thesis.docx"]


def test_config_file_sets_defaults_and_flags_win(runner: CliRunner, project: Path) -> None:
    (project / "decks").mkdir()
    shutil.copy(DATA / "small.yaml", project / "decks" / "small.yaml")
    (project / "quizgen.yaml").write_text("out: public\nformat: [json]\n")
    assert runner.invoke(main, ["build"]).exit_code == 0
    assert (project / "public" / "small.json").is_file()
    assert not (project / "public" / "small.apkg").exists()
    assert runner.invoke(main, ["build", "--format", "csv"]).exit_code == 0
    assert (project / "public" / "small.csv").is_file()
    (project / "quizgen.yaml").write_text("outt: public\n")
    bad = runner.invoke(main, ["build"])
    assert bad.exit_code == 1 and "unknown setting 'outt'" in bad.output


def test_no_color_and_quiet(runner: CliRunner, tmp_path: Path) -> None:
    args = ["build", str(DATA / "small.yaml"), "--out", str(tmp_path / "o")]
    quiet = runner.invoke(main, ["-q", *args])
    assert quiet.exit_code == 0 and quiet.output == ""
    bad = tmp_path / "bad.yaml"
    bad.write_text("deck: 1\n")
    colored = runner.invoke(main, ["check", str(bad)], color=True, env={"NO_COLOR": "1"})
    assert colored.exit_code == 1 and "\x1b[" not in colored.output


def test_installed_wheel_runs_from_any_directory(tmp_path: Path) -> None:
    """`pip install .` builds a real wheel; its console script works outside the repository."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-q", str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if install.returncode != 0 and "hatchling" in install.stderr:  # no build backend offline
        install = subprocess.run(
            [str(py), "-m", "pip", "install", "--no-deps", "-q", str(REPO)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert install.returncode == 0, install.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    quizgen = env_dir / "bin" / "quizgen"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(quizgen), *args], cwd=work, capture_output=True, text=True, timeout=300, env=env
        )

    where = subprocess.run(
        [str(py), "-c", "import quizgen; print(quizgen.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
    )
    assert str(env_dir) in where.stdout, where.stdout  # the wheel, not the source tree
    assert run("init").returncode == 0
    assert run("check", "--strict").returncode == 0
    built = run("build", "--format", "apkg", "--format", "html", "--format", "json")
    assert built.returncode == 0, built.stderr
    data = json.loads((work / "dist" / "example.json").read_text(encoding="utf-8"))
    assert data["items"] and data["deck"]["id"] == "example"
    assert (work / "dist" / "example.apkg").stat().st_size > 1000
    assert "<!DOCTYPE html>" in (work / "dist" / "example" / "quiz.html").read_text()
    assert sys.executable  # the test ran under the project's interpreter


def test_pdf_without_weasyprint_says_how_to_get_it(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if the extra were not installed
    result = runner.invoke(
        main,
        [
            "build",
            str(DATA / "small.yaml"),
            "--out",
            str(tmp_path / "o"),
            "--format",
            "html",
            "--pdf",
        ],
    )
    assert result.exit_code == 1 and "pip install 'quizgen[pdf]'" in result.output
    assert "Traceback" not in result.output


def test_watch_rebuilds_on_save_and_survives_errors(tmp_path: Path) -> None:
    """`quizgen watch`: a save rebuilds; a broken deck prints its problem and watching goes on."""
    import queue
    import threading
    import time

    (tmp_path / "decks").mkdir()
    deck = tmp_path / "decks" / "small.yaml"
    source = (DATA / "small.yaml").read_text(encoding="utf-8")
    deck.write_text(source, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "quizgen", "watch", "--format", "json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout or ()], daemon=True).start()

    def wait_for(text: str, timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if text in line:
                return line
        pytest.fail(f"watch never printed {text!r}")

    try:
        wait_for("watching")
        time.sleep(1)  # the watcher starts listening just after it says so
        deck.write_text(source.replace("A small test deck", "A renamed deck"), encoding="utf-8")
        wait_for("wrote")
        data = json.loads((tmp_path / "dist" / "small.json").read_text(encoding="utf-8"))
        assert data["deck"]["title"] == "A renamed deck"
        deck.write_text(source + "  - {id: broken, kind: evnt}\n", encoding="utf-8")
        assert "did you mean 'event'" in wait_for("evnt")
        assert proc.poll() is None  # still watching
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_fewer_versions_remove_the_stale_ones(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["build", str(DATA / "small.yaml"), "--out", str(out), "--format", "html"]
    assert runner.invoke(main, [*args, "--versions", "3"]).exit_code == 0
    assert (out / "small" / "quiz-C.html").is_file()
    assert runner.invoke(main, [*args, "--versions", "2"]).exit_code == 0
    assert not (out / "small" / "quiz-C.html").exists()
    assert (out / "small" / "quiz-B.html").is_file()
    again = runner.invoke(main, [*args, "--versions", "1"])
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in (out / "small").iterdir()) == ["quiz.html", "study.html"]
