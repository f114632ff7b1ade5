"""The command line: a thin click layer over loading → generation → export."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from quizgen import __version__

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DECKS = ("decks",)


def reports_errors(fn: F) -> F:
    """Print a QuizgenError as its problems, one per line, and exit 1 — never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from quizgen.errors import QuizgenError

        try:
            return fn(*args, **kwargs)
        except QuizgenError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="quizgen")
def main() -> None:
    """quizgen — curated, sourced facts in YAML → checked quiz questions, Anki decks and
    printable quizzes."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@reports_errors
def check(paths: tuple[str, ...]) -> None:
    """Validate decks (default: every *.yaml in decks/) and print a summary.

    \b
    Examples:
      quizgen check
      quizgen check decks/rsii-coalition.yaml
    """
    from quizgen.loading.validate import load_decks

    decks = load_decks(paths or DEFAULT_DECKS)
    kinds: Counter[str] = Counter(f.kind for d in decks for f in d.facts)
    n_facts = sum(kinds.values())
    n_sources = sum(len(d.sources) for d in decks)
    by_kind = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    click.echo(
        f"ok: {len(decks)} deck{'s' * (len(decks) != 1)}, {n_facts} facts ({by_kind}), "
        f"{n_sources} sources"
    )


@main.command()
@click.argument("decks", nargs=-1, type=click.Path())
@click.option("--out", "-o", default="dist", show_default=True, help="Output folder.")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["apkg", "html"]),
    help="Formats to write (repeatable). Default: apkg and html.",
)
@click.option("--seed", default=0, show_default=True, help="Seed for option and question order.")
@click.option(
    "--versions",
    default=1,
    show_default=True,
    type=click.IntRange(1, 26),
    help="Printed quiz versions (A, B, …), each shuffled with its own key.",
)
@click.option("--paper", default="a4", show_default=True, type=click.Choice(["a4", "letter"]))
@click.option(
    "--templates",
    "template_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Template override folders (default: ./templates if present).",
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
    template_dirs: tuple[str, ...],
    force: bool,
) -> None:
    """Build decks (default: every *.yaml in decks/) into Anki packages and printable quizzes.

    \b
    Examples:
      quizgen build
      quizgen build decks/rsii-coalition.yaml --versions 3 --paper letter
      quizgen build --format apkg --out public/
    """
    import os
    import signal

    from quizgen.build import DEFAULT_FORMATS, BuildOptions
    from quizgen.build import build as run_build

    # SIGTERM unwinds like an error, so atomic writes remove their temp files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    templates = template_dirs or (("templates",) if os.path.isdir("templates") else ())
    options = BuildOptions(
        out=out,
        formats=formats or DEFAULT_FORMATS,
        seed=seed,
        versions=versions,
        paper=paper,
        project_templates=templates,
        force=force,
    )
    report = run_build(
        decks or DEFAULT_DECKS, options, progress=lambda msg: click.echo(msg, err=True)
    )
    for path in report.written:
        click.echo(f"wrote {path}")
    for deck_id in report.unchanged:
        click.echo(f"{deck_id}: unchanged, nothing written (use --force to rebuild)")
