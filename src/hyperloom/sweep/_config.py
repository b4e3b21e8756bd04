"""One generated config: an ordered mapping of Gin binding keys to values, and its Gin text."""

from __future__ import annotations

import copy
import functools
import hashlib
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ._ast import Include
from ._errors import NodeError, Source, SweepError
from ._include import IncludedFile, cycle_error, find_included, needs_compiling
from ._nodes import Lit, Node
from ._render import GIN_OPS_MODULE, GinWriter, json_form
from ._text import node_text
from ._values import evaluate

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@functools.lru_cache(maxsize=4096)
def is_macro(key: str) -> bool:
    """A Gin key without a dot (after its scopes) defines a macro."""
    return "." not in key.rpartition("/")[2]


class Config(Mapping):
    """An ordered mapping from binding key to value.

    Values are Python values when known (`1000.0`, `'x'`, `(3,)`) and value nodes otherwise
    (`@f()`, `%d_model * 2`, ...). `resolved()` gives the Gin text of each value with the
    config's own macros substituted (and the bindings of included files that Gin cannot read
    as they are, which the Gin file holds too); `to_gin()` gives a Gin file; `apply()` loads it.
    """

    __slots__ = ("_nodes", "header", "source", "index", "swept", "_template", "_resolved",
                 "_texts", "_name", "_chain", "_inlined")

    def __init__(self, nodes: Mapping[str, Node], *, header: Sequence[Any] = (),
                 source: Source | None = None, index: int | None = None,
                 swept: Sequence[str] = (),
                 template: tuple[str, tuple[int, int] | None] | None = None) -> None:
        self._nodes = dict(nodes)
        #: `include '...'` / `import ...` statements, in file order (they top every config).
        self.header = tuple(header)
        self.source = source
        #: Position in the enumeration order of its sweep file (None for a parsed Gin file).
        self.index = index
        self.swept = tuple(k for k in swept if k in self._nodes)
        self._template = template
        self._resolved: dict[str, Node] | None = None
        self._texts: list[tuple[str, str]] | None = None
        self._name: str | None = None
        #: Absolute paths of the included files this config was compiled from (for cycles).
        self._chain: tuple[str, ...] = ()
        self._inlined: list[Config | None] | None = None

    # -- mapping ---------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        node = self._nodes[key]
        if isinstance(node, Lit):
            v = node.value
            return copy.deepcopy(v) if isinstance(v, (list, dict)) else v
        return node

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Config):
            return NotImplemented
        return (list(self._nodes.items()) == list(other._nodes.items())
                and [h.text() for h in self.header] == [h.text() for h in other.header])

    def __hash__(self) -> int:  # Mapping sets __hash__ = None; configs are values
        return hash(tuple(self._nodes))

    def __repr__(self) -> str:
        body = ", ".join(f"{k!r}: {node_text(v)}" for k, v in self._nodes.items())
        return f"Config({{{body}}})"

    def nodes(self) -> dict[str, Node]:
        """The value nodes as written (constants folded, macros not substituted)."""
        return dict(self._nodes)

    @property
    def includes(self) -> list[str]:
        return [h.path for h in self.header if hasattr(h, "path")]

    @property
    def imports(self) -> list[str]:
        return [h.module for h in self.header if hasattr(h, "module")]

    # -- resolution ------------------------------------------------------------------------
    def _error(self, exc: NodeError) -> SweepError:
        return exc.to_sweep_error(self.source)

    def _base_dir(self) -> str | None:
        return os.path.dirname(self.source.path) if self.source and self.source.path else None

    def inlined_includes(self) -> list[Config | None]:
        """Per header statement: the config of an included file that Gin cannot read as it
        is (written into the Gin file in its place), or None for what stays a Gin line."""
        if self._inlined is None:
            self._inlined = [self._inline(h) if isinstance(h, Include) else None
                             for h in self.header]
        return self._inlined

    def _inline(self, include: Include) -> Config | None:
        included = find_included(include.path, self._base_dir())
        if included is None:
            return None  # Gin looks for it when it loads the config, as for any include
        chain = (*self._chain, self.source.path) if self.source and self.source.path else \
            self._chain
        if included.path in chain:
            raise cycle_error(chain, included.path, include, self.source)
        if not needs_compiling(included, chain):
            return None  # plain Gin all the way down: it stays an include
        return _included_config(included, chain)

    def _layers(self) -> Iterator[tuple[Source | None, dict[str, Node]]]:
        """The bindings Gin sees, in order: those of inlined includes, then the config's own."""
        for config in self.inlined_includes():
            if config is not None:
                yield from config._layers()
        yield self.source, self._nodes

    def resolved_nodes(self) -> dict[str, Node]:
        """Each value with the config's macros substituted and what became known evaluated."""
        if self._resolved is None:
            merged: dict[str, Node] = {}
            origin: dict[str, Source | None] = {}
            for source, nodes in self._layers():
                merged.update(nodes)  # a later binding wins; the key keeps its first place
                origin.update(dict.fromkeys(nodes, source))
            env = {k: v for k, v in merged.items() if is_macro(k)}
            out: dict[str, Node] = {}
            texts: list[tuple[str, str]] = []
            for key, node in merged.items():
                try:
                    if not isinstance(node, Lit):
                        node = evaluate(node, env, (key,) if key in env else ())
                    texts.append((key, node_text(node)))  # raises for inf, nan, complex
                except NodeError as exc:
                    raise exc.to_sweep_error(origin[key]) from None
                out[key] = node
            self._resolved, self._texts = out, texts
        return self._resolved

    def resolved(self) -> list[tuple[str, str]]:
        """Ordered (key, Gin literal text) pairs: `'x'`, `1000.0`, `(3,)`, `@f(k=1)`, and
        `%d_model * 2` where `d_model` is left to Gin."""
        self.resolved_nodes()
        return list(self._texts)  # type: ignore[arg-type]

    def resolved_values(self) -> dict[str, Any]:
        """Like `resolved()` but with Python values where they are known (nodes elsewhere)."""
        return {k: (copy.deepcopy(v.value) if isinstance(v, Lit) else v)
                for k, v in self.resolved_nodes().items()}

    @property
    def params(self) -> dict[str, Any]:
        """The swept keys and their values as JSON (what a study records for this config)."""
        nodes = self.resolved_nodes()
        return {k: json_form(nodes[k]) for k in self.swept}

    @property
    def name(self) -> str | None:
        """The config's name from the file's `name: '...'` template, if it has one."""
        if self._template is None:
            return None
        if self._name is None:
            self._name = self._fill(*self._template)
        return self._name

    def _fill(self, template: str, pos: tuple[int, int] | None) -> str:
        nodes = self.resolved_nodes()

        def one(match: re.Match) -> str:
            want = match.group(1).strip()
            key = want if want in nodes else None
            if key is None:
                ends = [k for k in nodes if k.rsplit(".", 1)[-1].rsplit("/", 1)[-1] == want]
                if len(ends) == 1:
                    key = ends[0]
            if key is None:
                raise SweepError(f"the name template uses {{{want}}}, which is not a key of "
                                 f"config {self.index}; keys: {', '.join(nodes)}", self.source,
                                 *(pos or (None, None)))
            node = nodes[key]
            if isinstance(node, Lit) and isinstance(node.value, str):
                return node.value
            return node_text(node)

        return _PLACEHOLDER.sub(one, template)

    def validate(self) -> Config:
        """Raise now (naming file:line:column) if any value cannot become Gin text."""
        self.resolved_nodes()
        _ = self.name
        return self

    # -- text ------------------------------------------------------------------------------
    def to_text(self) -> str:
        """The config in the sweep language, unresolved; `parse_config` gives it back."""
        lines = [h.text() for h in self.header]
        lines += [f"{k} = {node_text(v)}" for k, v in self._nodes.items()]
        return "\n".join(lines) + "\n"

    def _tag(self) -> str:
        if self.source is not None:
            digest = self.source.digest()[:8]
        else:
            digest = hashlib.sha1(repr(self._nodes).encode("utf-8", "surrogatepass")).hexdigest()[:8]
        return f"{digest}c{self.index}" if self.index is not None else digest

    def to_gin(self, include_dir: str | os.PathLike | None = None) -> str:
        """Gin text that `gin-config` parses to the resolved values: includes first, then one
        binding per key as written (macros stay macros and `%name` stays a reference, so that
        a later Gin binding of the macro reaches every use), then helper bindings for calls with
        arguments and expressions. An included file that Gin cannot read as it is, is compiled
        in place of its `include`. With `include_dir`, relative includes found there are
        written as absolute paths (Gin resolves includes against the working directory)."""
        self.validate()
        writer = GinWriter(self._tag())
        try:
            body = [f"{k} = {writer.text(node)}" for k, node in self._nodes.items()]
        except NodeError as exc:
            raise self._error(exc) from None
        lines = [f"# {self.name}"] if self.name is not None else []
        for h, inlined in zip(self.header, self.inlined_includes()):
            if inlined is not None:
                lines.append(f"# {h.text()}, compiled by hyperloom.sweep:")
                lines += inlined.to_gin(include_dir=os.path.dirname(inlined.source.path))\
                    .splitlines()
            else:
                lines.append(_header_line(h, include_dir))
        if writer.needs_ops:
            lines.append(f"import {GIN_OPS_MODULE}")
        if lines:
            lines.append("")
        lines += body
        if writer.helpers:
            lines += ["", "# Arguments of calls, and expressions Gin evaluates "
                          "(generated by hyperloom.sweep)."]
            lines += writer.helpers
        return "\n".join(lines) + "\n"

    def apply(self, clear: bool = True, skip_unknown: bool = False) -> None:
        """Load this config into Gin, clearing the previous config first (unless `clear` is
        False). Relative includes are looked up next to the sweep file first."""
        import gin

        base = os.path.dirname(self.source.path) if self.source and self.source.path else None
        text = self.to_gin(include_dir=base)
        if clear:
            gin.clear_config()
        gin.parse_config(text, skip_unknown=skip_unknown)


def _header_line(statement: Any, include_dir: str | os.PathLike | None) -> str:
    """An `include` (absolute when found in `include_dir`) or `import` line."""
    if isinstance(statement, Include) and include_dir is not None and \
            not os.path.isabs(statement.path):
        candidate = os.path.join(os.fspath(include_dir), statement.path)
        if os.path.exists(candidate):
            return f"include {os.path.abspath(candidate)!r}"
    return statement.text()


@functools.lru_cache(maxsize=256)
def _included_config(included: IncludedFile, chain: tuple[str, ...]) -> Config:
    """The config of an included file, shared by the configs that include it."""
    compiled = included.compiled
    config = Config(compiled.seq[0], header=compiled.header, source=included.source)
    config._chain = chain
    config.inlined_includes()  # cycles are found now, naming the include
    return config
