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
