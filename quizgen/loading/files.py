"""Which files are decks: what `quizgen build PATH…` reads. Light on imports, so that a
no-change rebuild can find its decks without loading the YAML machinery."""

from __future__ import annotations

import os
from collections.abc import Iterable

from quizgen.errors import Problem

DECK_SUFFIXES = (".yaml", ".yml")


def find_deck_files(paths: Iterable[str]) -> tuple[list[str], list[Problem]]:
    """Expand folders to their *.yaml / *.yml files, sorted, so every run sees the same order."""
    files: list[str] = []
    problems: list[Problem] = []
    for p in paths:
        if os.path.isdir(p):
            try:
                names = os.listdir(p)
            except OSError as e:
                problems.append(Problem(p, 0, 0, f"cannot read the folder: {e.strerror}"))
                continue
            found = sorted(
                os.path.join(p, n)
                for n in names
                if n.endswith(DECK_SUFFIXES) and not n.startswith(".")
            )
            if not found:
                problems.append(Problem(p, 0, 0, "no deck files (*.yaml) in this folder"))
            files.extend(found)
        elif os.path.isfile(p):
            files.append(p)
        elif os.path.exists(p):
            problems.append(Problem(p, 0, 0, "not a deck file (a device, pipe or socket)"))
        else:
            problems.append(Problem(p, 0, 0, "no such file or folder"))
    return files, problems
