"""Quality findings: what the generator refused and what the lint saw. Not errors: `quizgen check`
prints them as warnings, and `--strict` makes them fail the check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from quizgen.model import Location


@dataclass(frozen=True, order=True)
class Finding:
    location: Location
    code: str  # stable kebab-case name, e.g. "answer-leaked"
    message: str
    severity: Literal["warning", "error"] = "warning"

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message} [{self.code}]"
