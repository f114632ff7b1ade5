"""The build pipeline behind `quizgen build`: load → generate → export, for every deck.

Outputs go to one folder (default dist/) that quizgen owns: a manifest (.quizgen-manifest.json)
records every file it wrote with its hash and the fingerprint of the inputs that made it. A
rebuild whose inputs (deck file, templates, images, options, quizgen version) are unchanged and
whose outputs are intact writes nothing, and when that holds for every deck it loads none.
quizgen never overwrites or deletes a file it did not write.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from quizgen import __version__
from quizgen.errors import QuizgenError
from quizgen.output import TMP_PREFIX, atomic_write, sweep_stale_temp_files, temp_name

if TYPE_CHECKING:  # not imported at run time: a no-change rebuild needs none of them
    import jinja2

    from quizgen.generation.item import Item
    from quizgen.model import Deck

MANIFEST = ".quizgen-manifest.json"
FORMATS = ("apkg", "html", "csv", "gift", "moodle-xml", "json")
DEFAULT_FORMATS = ("apkg", "html")


@dataclass(frozen=True)
class BuildOptions:
    out: str = "dist"
    formats: tuple[str, ...] = DEFAULT_FORMATS
    seed: int = 0
    versions: int = 1
    paper: str = "a4"
    project_templates: tuple[str, ...] = ()
    count: int | None = None  # printed quiz: how many questions
    types: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    pdf: bool = False  # printed quizzes also as PDF (WeasyPrint)
    force: bool = False


@dataclass
class BuildReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # decks skipped: nothing changed


Progress = Callable[[int, int, str], None]  # (done, total, deck id)


def build(
    paths: Iterable[str], options: BuildOptions, progress: Progress | None = None
) -> BuildReport:
    """Build every deck under `paths` into `options.out`.

    All or nothing: every output is first written into a staging folder inside `out`; only when
    every deck and format has succeeded are they moved into place. A bad deck, a broken template
    or a full disk leaves `out` as it was."""
    with batch_gc():
        return _build(paths, options, progress)


def _build(paths: Iterable[str], options: BuildOptions, progress: Progress | None) -> BuildReport:
    unknown = sorted(set(options.formats) - set(FORMATS))
    if unknown:
        raise QuizgenError(f"unknown format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    paths = list(paths)
    out = options.out
    manifest = _read_manifest(out)
    _check_ownership(out, manifest)
    report = BuildReport()
    if not options.force:
        unchanged = _unchanged(paths, out, manifest, options)
        if unchanged is not None:
            report.unchanged = unchanged
            return report
    # Imported only now: a no-change rebuild needs none of them.
    from quizgen.generation import generate
    from quizgen.loading.validate import load_decks
    from quizgen.templating import make_env, search_path

    decks = load_decks(paths)
    together = sorted({_relative(d.path, out) for d in decks})
    stage = temp_name(os.path.abspath(out), "stage")
    staged: dict[str, dict[str, str]] = {}  # deck id → {relative path: fingerprint}
    inputs: dict[str, dict[str, Any]] = {}  # deck id → what its outputs were made from
    try:
        for done, deck in enumerate(decks):
            inputs[deck.info.id] = _inputs(deck, together, out)
            fingerprint = _fingerprint(inputs[deck.info.id], options, out)
            entry = manifest["decks"].get(deck.info.id)
            if (
                not options.force
                and entry
                and entry["fingerprint"] == fingerprint
                and _intact(out, entry["files"])
            ):
                report.unchanged.append(deck.info.id)
                continue
            if progress:
                progress(done, len(decks), deck.info.id)
            env = make_env(search_path(deck.info.templates, options.project_templates))
            items = generate(deck, seed=options.seed, project_templates=options.project_templates)
            files: list[str] = []
            for fmt in options.formats:
                files += WRITERS[fmt](deck, items, stage, out, options, env)
            staged[deck.info.id] = {os.path.relpath(f, stage): fingerprint for f in files}
        _commit(out, stage, staged, inputs, manifest, report)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return report


@contextlib.contextmanager
def batch_gc() -> Iterator[None]:
    """Rarer garbage collections while building. A build keeps hundreds of thousands of objects
    alive (values, facts, questions) and makes few reference cycles; with the default thresholds
    the collector walks the live ones over and over, a quarter of a large build's time."""
    old = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _commit(
    out: str,
    stage: str,
    staged: dict[str, dict[str, str]],
    inputs: dict[str, dict[str, Any]],
    manifest: Manifest,
    report: BuildReport,
) -> None:
    """Move staged outputs into place. The manifest claims them first, so that a build killed
    half-way through never leaves a file of ours that the next build takes for someone else's."""
    if not staged:
        return
    for deck_id, files in staged.items():
        entry = manifest["decks"].setdefault(deck_id, {"fingerprint": "", "files": {}})
        entry["fingerprint"] = ""  # until every file is in place
        entry["files"] = {**entry.get("files", {}), **{rel: "" for rel in files}}
    _write_manifest(out, manifest)
    for deck_id, files in staged.items():
        hashes = {}
        for rel in sorted(files):
            target = os.path.join(out, rel)
            os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
            os.replace(os.path.join(stage, rel), target)
            hashes[rel] = _hash(target)
            report.written.append(target)
        # Outputs of the previous build that this one no longer makes (quiz-C.html after
        # --versions 2): ours, listed in our manifest, so they go.
        for rel in set(manifest["decks"][deck_id]["files"]) - set(files):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(out, rel))
        manifest["decks"][deck_id] = {
            "fingerprint": next(iter(files.values())),
            "files": hashes,
            "inputs": inputs[deck_id],
        }
    _write_manifest(out, manifest)


def _narrowed(items: Sequence[Item], options: BuildOptions) -> list[Item]:
    from quizgen.selection import narrow

    return narrow(items, types=options.types, sections=options.sections, tags=options.tags)


def _write_apkg(
    deck: Deck,
    items: Sequence[Item],
    stage: str,
    out: str,
    options: BuildOptions,
    env: jinja2.Environment,
) -> list[str]:
    from quizgen.export.anki import write_apkg

    name = f"{deck.info.id}.apkg"
    path = os.path.join(stage, name)
    write_apkg(deck, _narrowed(items, options), path, env=env, previous=os.path.join(out, name))
    return [path]


def _write_html(
    deck: Deck,
    items: Sequence[Item],
    stage: str,
    out: str,
    options: BuildOptions,
    env: jinja2.Environment,
) -> list[str]:
    from quizgen.export.html import write_quiz, write_study
    from quizgen.selection import select

    folder = os.path.join(stage, deck.info.id)
    narrowed = _narrowed(items, options)
    # The study page shows every question the quiz would ask without --count: the same
    # selection when the quiz has no --count, so it is made once.
    every = select(narrowed, seed=options.seed)
    paths = write_quiz(
        deck,
        narrowed,
        folder,
        env=env,
        seed=options.seed,
        versions=options.versions,
        paper=options.paper,
        chosen=every if options.count is None else None,
        count=options.count,
    )
    if options.pdf:
        from quizgen.export.pdf import write_pdfs

        paths += write_pdfs(paths)
    return [*paths, write_study(deck, narrowed, folder, env=env, chosen=every)]


def _text_writer(suffix: str, module: str, function: str) -> Writer:
    """A writer for one of the single-file text formats (imported only when asked for)."""

    def write(
        deck: Deck,
        items: Sequence[Item],
        stage: str,
        out: str,
        options: BuildOptions,
        env: jinja2.Environment,
    ) -> list[str]:
        import importlib

        path = os.path.join(stage, f"{deck.info.id}{suffix}")
        getattr(importlib.import_module(module), function)(deck, _narrowed(items, options), path)
        return [path]

    return write


# (deck, items, staging folder, output folder, options, env) → paths written under staging
Writer = Callable[
    ["Deck", Sequence["Item"], str, str, BuildOptions, "jinja2.Environment"], list[str]
]
WRITERS: dict[str, Writer] = {
    "apkg": _write_apkg,
    "html": _write_html,
    "csv": _text_writer(".csv", "quizgen.export.csvfile", "write_csv"),
    "gift": _text_writer(".gift.txt", "quizgen.export.gift", "write_gift"),
    "moodle-xml": _text_writer(".moodle.xml", "quizgen.export.moodle", "write_moodle"),
    "json": _text_writer(".json", "quizgen.export.jsonfile", "write_json"),
}


def _inputs(deck: Deck, together: list[str], out: str) -> dict[str, Any]:
    """What a deck's outputs are made from, as the manifest keeps it: enough to tell on the next
    build, without loading any deck, that nothing changed (see `_unchanged`)."""
    templates = deck.info.templates
    return {
        "deck": _relative(deck.path, out),
        "templates": _relative(templates, out) if templates else None,
        "images": sorted({_relative(f.image, out) for f in deck.facts if f.image}),
        "together": together,  # the deck files loaded (and checked against each other) with it
    }


def _relative(path: str, out: str) -> str:
    """A path as the manifest keeps it: relative to the output folder, so that the manifest
    names no one's home folder and still holds when the project folder moves."""
    try:
        return os.path.relpath(path, os.path.abspath(out))
    except ValueError:  # on another drive (Windows)
        return os.path.abspath(path)


def _resolve(path: str, out: str) -> str:
    """The inverse of `_relative` (lexically, as relpath works: `out` need not exist yet)."""
    return os.path.normpath(os.path.join(os.path.abspath(out), path))


def _fingerprint(inputs: dict[str, Any], options: BuildOptions, out: str) -> str:
    """Everything an output depends on: the deck file, every template it may use, its images,
    the options and the quizgen version. `inputs` as `_inputs` made them."""
    from quizgen.templating import search_path

    h = hashlib.sha256()
    h.update(__version__.encode())
    h.update(json.dumps({**asdict(options), "force": False}, sort_keys=True).encode())
    with open(_resolve(inputs["deck"], out), "rb") as fh:
        h.update(fh.read())
    templates = inputs["templates"] and _resolve(inputs["templates"], out)
    for i, root in enumerate(search_path(templates, options.project_templates)):
        for folder, _, names in sorted(os.walk(root)):
            for name in sorted(names):
                p = os.path.join(folder, name)
                # Named within its root (and the root by rank): moving the project or
                # reinstalling quizgen elsewhere changes no template.
                h.update(f"{i}\0{os.path.relpath(p, root)}\0".encode())
                with open(p, "rb") as fh:
                    h.update(fh.read())
    for image in inputs["images"]:
        h.update(image.encode())
        with open(_resolve(image, out), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


def _unchanged(
    paths: list[str], out: str, manifest: Manifest, options: BuildOptions
) -> list[str] | None:
    """The ids of the decks under `paths` when none of them needs building, else None.

    A no-change rebuild must cost a small part of a build, and loading a large deck is not
    small: this compares the inputs the manifest recorded, without parsing. It answers only
    when the same deck files were last built together, so that the checks across files
    (duplicate deck and fact ids) are known to pass; anything else takes the full path."""
    from quizgen.loading.files import find_deck_files

    files, problems = find_deck_files(paths)
    if problems or not files:
        return None  # the full path reports them
    found = list(dict.fromkeys(_relative(f, out) for f in files))
    together = sorted(found)
    recorded = {
        e["inputs"]["deck"]: (deck_id, e)
        for deck_id, e in manifest["decks"].items()
        if isinstance(e, dict) and isinstance(e.get("inputs"), dict)
    }
    unchanged = []
    try:
        for path in found:
            deck_id, entry = recorded[path]
            if entry["inputs"]["together"] != together:
                return None
            if _fingerprint(entry["inputs"], options, out) != entry["fingerprint"]:
                return None
            if not _intact(out, entry["files"]):
                return None
            unchanged.append(deck_id)
    except (KeyError, TypeError, OSError):  # not recorded, an older manifest, a missing file
        return None
    return unchanged


def _hash(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def _intact(out: str, files: dict[str, str]) -> bool:
    return all(
        os.path.isfile(os.path.join(out, f)) and _hash(os.path.join(out, f)) == h
        for f, h in files.items()
    )


Manifest = dict[str, dict[str, dict[str, Any]]]  # {"decks": {deck id: {fingerprint, files}}}


def _read_manifest(out: str) -> Manifest:
    path = os.path.join(out, MANIFEST)
    if not os.path.exists(path):
        return {"decks": {}}
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        if isinstance(data, dict) and isinstance(data.get("decks"), dict):
            return data
    except (OSError, ValueError):
        pass
    raise QuizgenError(f"{path}: not a quizgen manifest; remove it or choose another --out")


def _owned(manifest: Manifest) -> set[str]:
    owned = {MANIFEST}
    for entry in manifest["decks"].values():
        files = entry.get("files", {})
        if isinstance(files, dict):
            owned |= set(files)
    return owned


def _check_ownership(out: str, manifest: Manifest) -> None:
    """Refuse an output folder holding files quizgen did not write: we would overwrite them."""
    if not os.path.isdir(out):
        if os.path.exists(out):
            raise QuizgenError(f"{out}: exists and is not a folder; choose another --out")
        return
    owned = _owned(manifest)
    foreign = []
    sweep_stale_temp_files(out)  # what a killed build left behind
    for folder, dirs, names in os.walk(out):
        dirs[:] = [d for d in dirs if not d.startswith(TMP_PREFIX)]
        for name in names:
            rel = os.path.relpath(os.path.join(folder, name), out)
            if name.startswith(TMP_PREFIX) or TMP_PREFIX in rel:  # ours; maybe still running
                continue
            if rel not in owned:
                foreign.append(rel)
    if foreign:
        shown = ", ".join(sorted(foreign)[:5]) + (" …" if len(foreign) > 5 else "")
        raise QuizgenError(
            f"{out}: holds files quizgen did not write ({shown}); quizgen will "
            "not overwrite them: choose an empty or new --out folder"
        )


def _write_manifest(out: str, manifest: Manifest) -> None:
    atomic_write(os.path.join(out, MANIFEST), json.dumps(manifest, indent=2, sort_keys=True))
