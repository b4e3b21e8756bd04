"""Included files: where Gin would find them, and whether Gin can read them as they are.

A plain Gin file stays an `include` line of the generated configs. A file that uses the sweep
language (`with` blocks, expressions, calls with arguments) is compiled, and its bindings are
written in place of its `include`: Hyperion compiles such a file as Gin loads it, but the files we
generate must load in plain Gin, so we compile it ahead.
"""

from __future__ import annotations

import functools
import os
import stat
from dataclasses import dataclass

from . import _ast as A
from ._errors import NodeError, Source, SweepError
from ._expand import Compiled, Compiler
from ._parser import parse


@dataclass(frozen=True)
class IncludedFile:
    path: str  # absolute
    source: Source
    #: The files it includes, when Gin's own parser reads it; None when Gin cannot read it.
    gin_includes: tuple[str, ...] | None

    @property
    def directory(self) -> str:
        return os.path.dirname(self.path)

    @functools.cached_property
    def compiled(self) -> Compiled:
        """The file as one config; an included sweep is an error naming its line."""
        try:
            file = parse(self.source)
            compiled = Compiler().compile(file)
            _check_one_config(file, compiled)
        except NodeError as exc:
            raise exc.to_sweep_error(self.source) from None
        return compiled


def find_included(path: str, base_dir: str | None) -> IncludedFile | None:
    """An included file, looked up next to the including file first and then where Gin looks
    (the working directory); None when it is in neither place. Read again only when it
    changed on disk, so that an edit changes the configs that include it."""
    candidates = [path] if os.path.isabs(path) else [
        *([os.path.join(base_dir, path)] if base_dir else []), path]
    for candidate in candidates:
        try:
            found = os.stat(candidate)
        except OSError:
            continue
        if stat.S_ISREG(found.st_mode):
            return _read(os.path.abspath(candidate), found.st_mtime_ns, found.st_size)
    return None


@functools.lru_cache(maxsize=256)
def _read(path: str, mtime_ns: int, size: int) -> IncludedFile:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return IncludedFile(path, Source(text, path, path), _gin_includes(text))


def needs_compiling(file: IncludedFile, chain: tuple[str, ...]) -> bool:
    """True when Gin cannot read `file` as it is, or cannot read a file it includes (then the
    file is compiled, and so is that one). `chain`: the including files, to find cycles."""
    if file.gin_includes is None:
        return True
    chain = (*chain, file.path)
    for name in file.gin_includes:
        nested = find_included(name, file.directory)
        if nested is None:
            continue
        if nested.path in chain:
            raise cycle_error(chain, nested.path, A.Include(name, None), file.source)
        if needs_compiling(nested, chain):
            return True
    return False


def _gin_includes(text: str) -> tuple[str, ...] | None:
    """The includes of `text` if Gin's own parser reads it, else None. Without gin installed
    every found include is compiled (the sweep language reads plain Gin too)."""
    try:
        from gin import config_parser
    except ImportError:  # pragma: no cover - gin is a dependency of the sweep extra
        return None

    class Names(config_parser.ParserDelegate):
        def configurable_reference(self, scoped_configurable_name, evaluate):
            return scoped_configurable_name

        def macro(self, macro_name):
            return macro_name

    try:
        statements = list(config_parser.ConfigParser(text, Names()))
    except SyntaxError:
        return None
    return tuple(s.filename for s in statements if isinstance(s, config_parser.IncludeStatement))


def _check_one_config(file: A.File, compiled: Compiled) -> None:
    if compiled.distributions:
        key, dist = compiled.distributions[0]
        raise NodeError(f"an included file cannot sample {key!r}; move `{key}: ...` into the "
                        "sweep file", dist.pos)
    if compiled.template is not None:
        raise NodeError("`name:` names the configs of a sweep file; move it from the included "
                        "file into the sweep file", compiled.template[1])
    if compiled.swept or len(compiled.seq) != 1:
        raise NodeError(f"an included file must be one Gin config, but this is a sweep of "
                        f"{len(compiled.seq)}; move its sweeps into the sweep file",
                        _first_sweep_pos(file.body.body))


def _first_sweep_pos(stmts: list) -> A.Pos:
    for s in stmts:
        if isinstance(s, (A.SweepStmt, A.Table)) or (isinstance(s, A.Block) and s.kind == "union"):
            return s.pos
        if isinstance(s, (A.With, A.Block)):
            pos = _first_sweep_pos(s.body)
            if pos is not None:
                return pos
    return None


def cycle_error(chain: tuple[str, ...], path: str, include: A.Include,
                source: Source | None) -> SweepError:
    names = " -> ".join(os.path.basename(p) for p in (*chain[chain.index(path):], path))
    return SweepError(f"included files include each other in a cycle: {names}; remove one of "
                      "these includes", source, *(include.pos or (None, None)))
