"""The command line: a thin click layer over loading → generation → export.

Heavy imports (yaml, jinja2, genanki) happen inside commands, so `quizgen --help` starts fast.
Exit codes: 0 ok, 1 a problem with the user's input (one line per problem, no traceback),
2 a usage error (click's own).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

import click

from quizgen import __version__

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DECKS = ("decks",)
FORMAT_CHOICES = ("apkg", "html", "csv", "gift", "moodle-xml", "json")
QTYPE_CHOICES = ("qa", "reverse", "cloze", "mcq", "tf", "order", "first", "match", "short")


def _color() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None  # None: click decides (tty or not)


def say(message: str, *, err: bool = False, fg: str | None = None, level: int = 0) -> None:
    """Print unless quieter than `level` (-q: only errors; -v: details)."""
    ctx = click.get_current_context(silent=True)
    verbosity = ctx.obj.get("verbosity", 0) if ctx and isinstance(ctx.obj, dict) else 0
    if level > verbosity:
        return
    click.secho(message, err=err, fg=fg, color=_color())


def reports_errors(fn: F) -> F:
    """Print a QuizgenError as its problems, one per line, and exit 1 — never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from quizgen.errors import QuizgenError

        try:
            return fn(*args, **kwargs)
        except QuizgenError as e:
            click.secho(f"error: {e}", err=True, fg="red", color=_color())
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="quizgen")
@click.option("-v", "--verbose", count=True, help="Say more (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help="Settings file (default: ./quizgen.yaml, or [tool.quizgen] in ./pyproject.toml).",
)
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool, config: str | None) -> None:
    """quizgen — curated, sourced facts in YAML → checked quiz questions, Anki decks and
    printable quizzes.

    \b
    Start here:
      quizgen init my-course && cd my-course
      quizgen check              validate decks/ and lint the questions
      quizgen preview decks/example.yaml
      quizgen build              Anki package + printable quiz in dist/
    """
    ctx.obj = {"verbosity": -1 if quiet else verbose}
    from quizgen.config import default_map, find_config, load_config
    from quizgen.errors import QuizgenError

    if ctx.invoked_subcommand == "init":  # init makes a config; it must not need a valid one
        return
    try:
        path = config or find_config()
        if path:
            ctx.default_map = default_map(load_config(path))
    except (QuizgenError, OSError) as e:
        click.secho(f"error: {e}", err=True, fg="red", color=_color())
        sys.exit(1)


def _templates(template_dirs: Iterable[str]) -> tuple[str, ...]:
    dirs = tuple(template_dirs)
    return dirs or (("templates",) if os.path.isdir("templates") else ())


def _load(paths: Iterable[str]) -> list[Any]:
    from quizgen.loading.validate import load_decks

    return load_decks(tuple(paths) or DEFAULT_DECKS)


decks_argument = click.argument("decks", nargs=-1, type=click.Path())
seed_option = click.option(
    "--seed",
    default=0,
    show_default=True,
    type=int,
    help="Seed for option order and quiz versions.",
)
templates_option = click.option(
    "--templates",
    "template_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Template override folder (repeatable; default: ./templates if present).",
)


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@reports_errors
def init(directory: str) -> None:
    """Start a project: an example deck, a settings file and a templates folder.

    Refuses to overwrite anything that exists.

    \b
    Examples:
      quizgen init my-course
      quizgen init .
    """
    from quizgen.errors import QuizgenError
    from quizgen.output import atomic_write
    from quizgen.templating import PACKAGE_TEMPLATES

    source = os.path.join(PACKAGE_TEMPLATES, "project")
    plan = {
        "quizgen.yaml": "quizgen.yaml",
        os.path.join("decks", "example.yaml"): "example.yaml",
        os.path.join("templates", "README.md"): "templates-README.md",
    }
    existing = [p for p in plan if os.path.exists(os.path.join(directory, p))]
    if existing:
        raise QuizgenError(
            f"{directory}: not overwriting {', '.join(existing)}; choose an empty folder"
        )
    for target, name in plan.items():
        with open(os.path.join(source, name), encoding="utf-8") as fh:
            atomic_write(os.path.join(directory, target), fh.read())
        say(f"wrote {os.path.join(directory, target)}")
    say("next: quizgen check && quizgen build", level=0)


@main.command()
@decks_argument
@click.option("--strict", is_flag=True, help="Fail (exit 1) on any quality warning.")
@seed_option
@templates_option
@reports_errors
def check(decks: tuple[str, ...], strict: bool, seed: int, template_dirs: tuple[str, ...]) -> None:
    """Validate decks (default: decks/) and lint their questions.

    Problems in the YAML are errors. Questions a careful teacher would reject (ambiguous, a wrong
    option that is also right, the answer given away, …) are warnings; --strict fails on them.

    \b
    Examples:
      quizgen check
      quizgen check --strict decks/rsii-coalition.yaml
    """
    from quizgen.lint import check_deck

    loaded = _load(decks)
    findings = []
    n_items = 0
    for deck in loaded:
        items, found = check_deck(deck, seed=seed, project_templates=_templates(template_dirs))
        n_items += len(items)
        findings += found
    for f in findings:
        say(str(f), err=True, fg="red" if f.severity == "error" or strict else "yellow")
    kinds: Counter[str] = Counter(f.kind for d in loaded for f in d.facts)
    by_kind = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    errors = sum(f.severity == "error" or strict for f in findings)
    warnings = len(findings) - errors
    summary = (
        f"{len(loaded)} deck{'s' * (len(loaded) != 1)}, {sum(kinds.values())} facts "
        f"({by_kind}), {sum(len(d.sources) for d in loaded)} sources, {n_items} "
        f"questions; {errors} error{'s' * (errors != 1)}, {warnings} "
        f"warning{'s' * (warnings != 1)}"
    )
    if errors:
        say(f"failed: {summary}", err=True, fg="red", level=-1)
        sys.exit(1)
    say(f"ok: {summary}")


@main.command()
@decks_argument
@click.option("--out", "-o", default="dist", show_default=True, help="Output folder.")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMAT_CHOICES),
    help="Format to write (repeatable). Default: apkg and html.",
)
@seed_option
@click.option(
    "--versions",
    default=1,
    show_default=True,
    type=click.IntRange(1, 26),
    help="Printed quiz versions (A, B, …), each shuffled, each with its own key.",
)
@click.option("--paper", default="a4", show_default=True, type=click.Choice(["a4", "letter"]))
@click.option("--count", type=click.IntRange(1), help="Printed quiz: number of questions.")
@click.option(
    "--types",
    "qtypes",
    multiple=True,
    type=click.Choice(QTYPE_CHOICES),
    help="Only these question types (repeatable).",
)
@click.option("--sections", multiple=True, help="Only these sections (repeatable).")
@click.option("--tags", multiple=True, help="Only facts with these tags (repeatable).")
@templates_option
@click.option(
    "--pdf",
    is_flag=True,
    help="Also write the printed quizzes as PDF (needs the pdf extra: pip install 'quizgen[pdf]').",
)
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed.")
@reports_errors
def build(
    decks: tuple[str, ...],
    out: str,
    formats: tuple[str, ...],
    seed: int,
    versions: int,
    paper: str,
    count: int | None,
    qtypes: tuple[str, ...],
    sections: tuple[str, ...],
    tags: tuple[str, ...],
    template_dirs: tuple[str, ...],
    pdf: bool,
    force: bool,
) -> None:
    """Build decks (default: every *.yaml in decks/) into dist/.

    Writes DECK.apkg (Anki) and DECK/quiz.html + DECK/study.html by default; only what changed
    since the last build is rebuilt.

    \b
    Examples:
      quizgen build
      quizgen build decks/rsii-coalition.yaml --versions 3 --paper letter
      quizgen build --format moodle-xml --format gift --out lms/
      quizgen build --count 20 --types mcq --types tf --seed 7
    """
    import signal

    from quizgen.build import DEFAULT_FORMATS, BuildOptions
    from quizgen.build import build as run_build

    # SIGTERM unwinds like an error, so atomic writes remove their temp files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    options = BuildOptions(
        out=out,
        formats=formats or DEFAULT_FORMATS,
        seed=seed,
        versions=versions,
        paper=paper,
        count=count,
        types=qtypes,
        sections=sections,
        tags=tags,
        project_templates=_templates(template_dirs),
        pdf=pdf,
        force=force,
    )
    bar: Any = None

    def progress(done: int, total: int, deck_id: str) -> None:
        nonlocal bar
        say(f"building {deck_id}", err=True, level=1)
        if sys.stderr.isatty() and total > 1 and _verbosity() >= 0:
            if bar is None:
                bar = click.progressbar(length=total, label="building", file=sys.stderr)
            bar.update(1)

    report = run_build(decks or DEFAULT_DECKS, options, progress=progress)
    if bar is not None:
        bar.render_finish()
    for path in report.written:
        say(f"wrote {path}")
    for deck_id in report.unchanged:
        say(f"{deck_id}: unchanged, nothing written (--force rebuilds)")
    say(
        f"{len(report.written)} file{'s' * (len(report.written) != 1)} written, "
        f"{len(report.unchanged)} deck{'s' * (len(report.unchanged) != 1)} unchanged",
        level=1,
    )


def _verbosity() -> int:
    ctx = click.get_current_context(silent=True)
    return ctx.obj.get("verbosity", 0) if ctx and isinstance(ctx.obj, dict) else 0


@main.command()
@click.argument("target")
@click.option(
    "--decks",
    "deck_paths",
    multiple=True,
    type=click.Path(),
    help="Where to look for a fact id (default: decks/).",
)
@seed_option
@templates_option
@reports_errors
def preview(
    target: str, deck_paths: tuple[str, ...], seed: int, template_dirs: tuple[str, ...]
) -> None:
    """Show the questions of a deck file or of one fact, as a student would meet them.

    \b
    Examples:
      quizgen preview decks/rsii-coalition.yaml
      quizgen preview soleimani-moscow-visit
    """
    from quizgen.errors import QuizgenError
    from quizgen.generation import generate

    is_file = os.path.isfile(target)
    loaded = _load((target,) if is_file else deck_paths)
    shown = 0
    for deck in loaded:
        items = generate(deck, seed=seed, project_templates=_templates(template_dirs))
        for it in items:
            if is_file or target in it.fact_ids:
                say(format_item(it))
                shown += 1
    if not shown:
        from quizgen.loading.validate import did_you_mean

        ids = [f.id for d in loaded for f in d.facts]
        raise QuizgenError(f"no fact or deck file {target!r}{did_you_mean(target, ids)}")


def format_item(it: Any) -> str:
    """An item as terminal text: prompt, lettered options with the right one marked, answer."""
    from quizgen.generation.item import QTYPE_NAMES
    from quizgen.text import plain

    letters = "ABCDEFGHIJ"
    lines = [
        click.style(f"{it.uid}", bold=True, fg="cyan")
        + f"  [{QTYPE_NAMES[it.qtype]}{'' if it.status == 'established' else ' · ' + it.status}]",
        f"  {plain(it.prompt)}",
    ]
    if it.qtype == "match":
        lines += [f"    {i + 1}. {plain(x)}" for i, x in enumerate(it.left)]
        lines += [f"    {letters[i]}. {plain(o)}" for i, o in enumerate(it.options)]
    elif it.options:
        right = set(it.correct) if it.qtype != "order" else set()
        lines += [
            f"  {'*' if i in right else ' '} {letters[i]}) {plain(o)}"
            for i, o in enumerate(it.options)
        ]
    lines.append(f"  Answer: {plain(it.answer)}")
    if len(it.accepted) > 1:
        lines.append(f"  Also accepted: {', '.join(it.accepted[1:])}")
    if it.claim:
        lines.append(f"  Claim: {plain(it.claim)}")
    if it.sources:
        lines.append(f"  Sources: {'; '.join(s.citation() for s in it.sources)}")
    return "\n".join(lines) + "\n"


@main.command(name="list")
@decks_argument
@reports_errors
def list_decks(decks: tuple[str, ...]) -> None:
    """List decks: id, facts, file and title.

    \b
    Example:
      quizgen list
    """
    for deck in _load(decks):
        say(
            f"{deck.info.id}\t{len(deck.facts)} facts\t{os.path.relpath(deck.path)}\t"
            f"{deck.info.title}"
        )


@main.command()
@decks_argument
@seed_option
@templates_option
@reports_errors
def stats(decks: tuple[str, ...], seed: int, template_dirs: tuple[str, ...]) -> None:
    """Facts by kind, section and claim status; questions by type; sources cited; lint counts.

    \b
    Example:
      quizgen stats decks/rsii-coalition.yaml
    """
    from quizgen.lint import check_deck

    for deck in _load(decks):
        items, findings = check_deck(deck, seed=seed, project_templates=_templates(template_dirs))
        cited = {s.id for f in deck.facts for s in f.sources}
        say(click.style(f"{deck.info.id}: {deck.info.title}", bold=True))
        rows = [
            ("facts by kind", Counter(f.kind for f in deck.facts)),
            ("facts by section", Counter(f.section or "(none)" for f in deck.facts)),
            ("facts by claim status", Counter(f.status for f in deck.facts)),
            ("questions by type", Counter(it.qtype for it in items)),
            ("lint findings", Counter(f.code for f in findings)),
        ]
        for title, counter in rows:
            total = sum(counter.values())
            parts = ", ".join(f"{k} {n}" for k, n in sorted(counter.items())) or "none"
            say(f"  {title} ({total}): {parts}")
        say(f"  sources: {len(deck.sources)}, cited by facts: {len(cited)}")


@main.command()
@decks_argument
@click.option("--out", "-o", default="dist", show_default=True, help="Output folder.")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMAT_CHOICES))
@seed_option
@templates_option
def watch(
    decks: tuple[str, ...],
    out: str,
    formats: tuple[str, ...],
    seed: int,
    template_dirs: tuple[str, ...],
) -> None:
    """Rebuild whenever a deck or template changes; problems are shown, watching goes on.

    \b
    Example:
      quizgen watch
    """
    from watchfiles import watch as watch_files

    from quizgen.build import DEFAULT_FORMATS, BuildOptions
    from quizgen.build import build as run_build
    from quizgen.errors import QuizgenError

    paths = tuple(decks) or DEFAULT_DECKS
    templates = _templates(template_dirs)
    options = BuildOptions(
        out=out, formats=formats or DEFAULT_FORMATS, seed=seed, project_templates=templates
    )

    def once() -> None:
        try:
            report = run_build(paths, options)
            for path in report.written:
                say(f"wrote {path}")
        except QuizgenError as e:
            click.secho(f"error: {e}", err=True, fg="red", color=_color())

    once()
    watched = [p for p in (*paths, *templates) if os.path.exists(p)]
    say(f"watching {', '.join(watched)} (Ctrl-C to stop)")
    for _ in watch_files(*watched):
        once()
