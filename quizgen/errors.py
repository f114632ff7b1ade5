"""The one exception family quizgen raises on bad input; the CLI prints it without a traceback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we know it."""

    file: str
    line: int  # 1-based; 0 when unknown (e.g. the file as a whole)
    column: int  # 1-based; 0 when unknown
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class QuizgenError(Exception):
    """Root of every error quizgen reports to a user (bad deck, bad template, bad option…)."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        self.problems = sorted(set(problems))
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return "\n".join([head, *(str(p) for p in self.problems)])


class DeckError(QuizgenError):
    """The deck files have problems; all of them are in `problems`."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        problems = list(problems)
        n = len(set(problems))
        super().__init__(f"{n} problem{'s' if n != 1 else ''} found:", problems)


class TemplateError(QuizgenError):
    """A question, quiz or card template failed to load or render."""


class OutputError(QuizgenError):
    """An output file could not be written (disk full, read-only, a folder in the way, …)."""
