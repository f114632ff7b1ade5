"""The Jinja environment shared by question templates and quiz layouts.

Search order (first match wins): the deck's own `templates:` folder, the project's `templates/`
folder, then the defaults shipped in quizgen/templates. StrictUndefined turns a typo in a template
into an error that names the template and line. Anki card templates (`{{Field}}` syntax) are read
as raw text through `raw_template()`, never rendered by Jinja.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from quizgen.errors import TemplateError

PACKAGE_TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")


def search_path(
    deck_templates: str | None, project_templates: Iterable[str] = ()
) -> tuple[str, ...]:
    dirs = [d for d in (deck_templates, *project_templates) if d and os.path.isdir(d)]
    return (*dict.fromkeys(os.path.abspath(d) for d in dirs), PACKAGE_TEMPLATES)


def make_env(paths: Sequence[str] = (PACKAGE_TEMPLATES,)) -> jinja2.Environment:
    """One environment per search path and state of its files: templates compile once, yet a
    process that builds again after an edit (`quizgen watch`) sees the edited templates."""
    paths = tuple(paths)
    return _make_env(paths, _stamp(paths))


def _stamp(paths: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """Every template file under `paths` with its mtime and size: a few dozen stat calls per
    build, where Jinja's own auto_reload would stat a file on every one of its renders."""
    found = []
    for root in paths:
        for folder, _, names in os.walk(root):
            for name in names:
                p = os.path.join(folder, name)
                with contextlib.suppress(OSError):  # gone since the walk: the loader will say
                    st = os.stat(p)
                    found.append((p, st.st_mtime_ns, st.st_size))
    return tuple(sorted(found))


@lru_cache(maxsize=32)
def _make_env(
    paths: tuple[str, ...], stamp: tuple[tuple[str, int, int], ...]
) -> jinja2.Environment:
    """The environment for `paths`; `stamp` only keys the cache (see make_env)."""
    # Sandboxed when any template may come from outside quizgen: a deck's own templates come
    # with the deck, and a deck from elsewhere must not run code on the machine that builds it.
    # Our built-in templates alone run unsandboxed: the sandbox checks every attribute access,
    # a measurable cost over hundreds of thousands of questions.
    kind = jinja2.Environment if paths == (PACKAGE_TEMPLATES,) else SandboxedEnvironment
    env = kind(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(p) for p in paths]),
        undefined=jinja2.StrictUndefined,
        autoescape=True,  # fact text is escaped on the way in; templates emit HTML-safe Markup
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # make_env() checks the files instead, once per call
    )
    for name, fn in FILTERS.items():
        env.filters[name] = fn
    return env


FILTERS: dict[str, Callable[..., Any]] = {}


def template_filter(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register a filter for every environment made after import."""
    FILTERS[fn.__name__] = fn
    return fn


def render(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render a whole template; any Jinja failure becomes a TemplateError naming file and line."""
    with _located(env, name):
        return env.get_template(name).render(**context)
    raise AssertionError("unreachable")  # pragma: no cover - _located re-raises


def render_block(env: jinja2.Environment, name: str, block: str, context: dict[str, Any]) -> str:
    """Render one `{% block %}` of a template (question templates hold one block per slot)."""
    blocks = _BLOCKS.setdefault(env, {})
    found = blocks.get((name, block))
    if found is None:  # looked up once per build: this runs for every question
        with _located(env, name):
            template = env.get_template(name)
            if block not in template.blocks:
                raise TemplateError(
                    f"{template.filename or name}: has no block {block!r} "
                    f"(it has: {', '.join(template.blocks) or 'none'})"
                )
        found = blocks[name, block] = (template, template.blocks[block])
    template, body = found
    try:
        return "".join(body(template.new_context(context)))
    except Exception:
        with _located(env, name):
            env.handle_exception()  # rewrites the traceback to template lines, then re-raises
    raise AssertionError("unreachable")  # pragma: no cover


_BLOCKS: weakref.WeakKeyDictionary[
    jinja2.Environment, dict[tuple[str, str], tuple[jinja2.Template, Callable[..., Any]]]
] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def _located(env: jinja2.Environment, name: str) -> Iterator[None]:
    try:
        yield
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(
            f"{e.filename or name}:{e.lineno}: template syntax error: {e.message}"
        ) from e
    except jinja2.TemplateNotFound as e:
        # Name the template that asked for the missing one (an {% include %}), if any.
        where = _where(env, name, e)
        prefix = f"{where}: " if where != name else ""
        raise TemplateError(
            f"{prefix}template {e.name!r} not found (searched {', '.join(_paths(env))})"
        ) from e
    except jinja2.UndefinedError as e:
        raise TemplateError(f"{_where(env, name, e)}: {e.message}") from e
    except TemplateError:
        raise
    except Exception as e:  # a filter or test raised inside a user's template
        raise TemplateError(f"{_where(env, name, e)}: {type(e).__name__}: {e}") from e


def raw_template(env: jinja2.Environment, name: str) -> str:
    """A template file's text as written, by the same override order (for Anki card templates)."""
    assert env.loader is not None
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        raise TemplateError(
            f"template {name!r} not found (searched {', '.join(_paths(env))})"
        ) from None
    return source


def _paths(env: jinja2.Environment) -> list[str]:
    loader = env.loader
    if isinstance(loader, jinja2.ChoiceLoader):
        return [
            p
            for sub in loader.loaders
            if isinstance(sub, jinja2.FileSystemLoader)
            for p in sub.searchpath
        ]
    return []


def _where(env: jinja2.Environment, name: str, e: BaseException) -> str:
    """file:line of the innermost template frame in the traceback, else the template name."""
    roots = tuple(_paths(env))
    tb = e.__traceback__
    found = name
    while tb is not None:  # Jinja rewrites frames so template code reports the template's line
        filename = tb.tb_frame.f_code.co_filename
        if roots and filename.startswith(roots):
            found = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found
