"""Project defaults: `quizgen.yaml` in the working folder, or `[tool.quizgen]` in pyproject.toml.

Keys mirror the long command-line options (`out`, `format`, `seed`, `versions`, `paper`,
`templates`, `decks`); flags given on the command line win. Returned as click's `default_map`.
"""

from __future__ import annotations

import os
import tomllib
from typing import Any

from quizgen.errors import Problem, QuizgenError

CONFIG_FILES = ("quizgen.yaml", "quizgen.yml")
KEYS: dict[str, type] = {
    "decks": list,
    "out": str,
    "format": list,
    "seed": int,
    "versions": int,
    "paper": str,
    "templates": list,
}
COMMANDS = {
    "build": ("decks", "out", "format", "seed", "versions", "paper", "templates"),
    "check": ("decks", "seed", "templates"),
    "watch": ("decks", "out", "format", "seed", "templates"),
    "stats": ("decks",),
    "list": ("decks",),
    "preview": ("seed", "templates"),
}


def find_config(folder: str = ".") -> str | None:
    for name in CONFIG_FILES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    pyproject = os.path.join(folder, "pyproject.toml")
    if os.path.isfile(pyproject):
        with open(pyproject, "rb") as fh:
            try:
                if "quizgen" in tomllib.load(fh).get("tool", {}):
                    return pyproject
            except tomllib.TOMLDecodeError as e:
                raise QuizgenError(f"{pyproject}: {e}") from e
    return None


def load_config(path: str) -> dict[str, Any]:
    """The settings in `path`, checked, as a flat dict of option name → value."""
    if path.endswith(".toml"):
        with open(path, "rb") as fh:
            raw: Any = tomllib.load(fh).get("tool", {}).get("quizgen", {})
        return _check(path, raw, {})
    from quizgen.loading.yamlsource import Null, Seq, Str, parse_file

    with open(path, "rb") as fh:
        value, problems = parse_file(path, fh.read())
    if problems:
        raise QuizgenError("the config file has problems:", problems)
    lines = {k: value.keys_at[k][0] for k in value} if hasattr(value, "keys_at") else {}

    def plain(v: Any) -> Any:
        if isinstance(v, Seq):
            return [str(x) for x in v]
        if isinstance(v, Null):
            return None
        return str(v) if isinstance(v, Str) else v

    data = {k: plain(v) for k, v in value.items()} if isinstance(value, dict) else value
    return _check(path, data, lines)


def _check(path: str, data: Any, lines: dict[str, int]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise QuizgenError(f"{path}: the config must be a mapping of settings")
    problems, out = [], {}
    for key, value in data.items():
        line = lines.get(key, 0)
        if key not in KEYS:
            problems.append(
                Problem(path, line, 0, f"unknown setting {key!r}; known: {', '.join(KEYS)}")
            )
            continue
        want = KEYS[key]
        if want is list and isinstance(value, str):
            value = [value]
        if want is int:
            try:
                value = int(value)
            except (TypeError, ValueError):
                problems.append(Problem(path, line, 0, f"{key!r} must be a whole number"))
                continue
        if not isinstance(value, want):
            problems.append(Problem(path, line, 0, f"{key!r} must be {want.__name__}"))
            continue
        out[key] = value
    if problems:
        raise QuizgenError("the config file has problems:", problems)
    return out


def default_map(settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """click's default_map: per command, the settings that command has as options."""
    names = {"format": "formats", "templates": "template_dirs", "decks": "decks"}
    return {
        cmd: {names.get(k, k): settings[k] for k in keys if k in settings}
        for cmd, keys in COMMANDS.items()
    }
