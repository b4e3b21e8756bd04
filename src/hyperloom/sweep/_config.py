"""One generated config: an ordered mapping of Gin binding keys to values, and its Gin text."""

from __future__ import annotations

import copy
import functools
import hashlib
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ._errors import NodeError, Source, SweepError
from ._render import GIN_OPS_MODULE, GinWriter, json_form, node_text
from ._values import Lit, Node, evaluate

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@functools.lru_cache(maxsize=4096)
def is_macro(key: str) -> bool:
    """A Gin key without a dot (after its scopes) defines a macro."""
    return "." not in key.rpartition("/")[2]


class Config(Mapping):
    """An ordered mapping from binding key to value.

    Values are Python values when known (`1000.0`, `'x'`, `(3,)`) and value nodes otherwise
    (`@f()`, `%d_model * 2`, ...). `resolved()` gives the Gin text of each value with the
    config's own macros substituted; `to_gin()` gives a Gin file; `apply()` loads it.
    """

    __slots__ = ("_nodes", "header", "source", "index", "swept", "_template", "_resolved",
                 "_texts", "_name")

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

    def resolved_nodes(self) -> dict[str, Node]:
        """Each value with the config's macros substituted and what became known evaluated."""
        if self._resolved is None:
            env = {k: v for k, v in self._nodes.items() if is_macro(k)}
            out: dict[str, Node] = {}
            texts: list[tuple[str, str]] = []
            try:
                for key, node in self._nodes.items():
                    if not isinstance(node, Lit):
                        node = evaluate(node, env, (key,) if key in env else ())
                    out[key] = node
                    texts.append((key, node_text(node)))  # raises for inf, nan, complex
            except NodeError as exc:
                raise self._error(exc) from None
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
        binding per key, then helper bindings for calls with arguments and expressions over
        values only Gin knows. With `include_dir`, relative includes found there are written
        as absolute paths (Gin resolves includes against the working directory)."""
        writer = GinWriter(self._tag())
        try:
            nodes = self.resolved_nodes()
            body = [f"{k} = {t}" if isinstance(nodes[k], Lit) else f"{k} = {writer.text(nodes[k])}"
                    for k, t in self._texts]  # type: ignore[union-attr]
        except NodeError as exc:
            raise self._error(exc) from None
        lines = []
        if self.name is not None:
            lines.append(f"# {self.name}")
        for h in self.header:
            if hasattr(h, "path") and include_dir is not None and not os.path.isabs(h.path):
                candidate = os.path.join(os.fspath(include_dir), h.path)
                if os.path.exists(candidate):
                    lines.append(f"include {os.path.abspath(candidate)!r}")
                    continue
            lines.append(h.text())
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
