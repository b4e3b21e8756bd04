"""Statements -> an ordered, lazy sequence of configs.

A config is built as a dict of key -> value node. Blocks become sequence objects that know their
length and give any config by index or in order without building the others, so a grid of a
million configs is iterated in constant memory:

- product: Cartesian product, first child outermost; configs merge like `dict.update` (a later
  value wins, the key keeps its first position). An empty product is one empty config.
- union: concatenation of the branches; a `key = value` written directly in the union applies
  to every branch and comes first in key order (Hyperion's rule).
- table: one config per row.  `with P:` prefixes keys and splices its statements into the
  enclosing block.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from . import _ast as A
from ._errors import NodeError
from ._functions import LitSeq, is_distribution, is_sweep_function, make_distribution, sweep_values
from ._limits import MAX_VALUES
from ._nodes import Dist, Func, ListNode, Lit, Node, TupleNode
from ._values import walk

Part = dict[str, Node]


class Seq(Sequence):
    """An ordered sequence of (partial) configs."""

    def __iter__(self) -> Iterator[Part]:  # pragma: no cover - overridden
        for i in range(len(self)):
            yield self[i]


class Single(Seq):
    def __init__(self, part: Part) -> None:
        self.part = part

    def __len__(self) -> int:
        return 1

    def __getitem__(self, i):  # type: ignore[override]
        if i not in (0, -1):
            raise IndexError(i)
        return self.part

    def __iter__(self) -> Iterator[Part]:
        yield self.part


class Many(Seq):
    """`key: [v1, v2, ...]`: one config per value."""

    def __init__(self, key: str, values: Sequence[Node]) -> None:
        self.key = key
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i):  # type: ignore[override]
        return {self.key: self.values[i]}

    def __iter__(self) -> Iterator[Part]:
        key = self.key
        for v in self.values:
            yield {key: v}


class TableSeq(Seq):
    def __init__(self, keys: list[str], rows: list[A.Row]) -> None:
        self.keys = keys
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):  # type: ignore[override]
        return dict(zip(self.keys, self.rows[i].cells))

    def __iter__(self) -> Iterator[Part]:
        keys = self.keys
        for row in self.rows:
            yield dict(zip(keys, row.cells))


class ProductSeq(Seq):
    def __init__(self, children: list[Seq]) -> None:
        self.children = children
        self._len = 1
        for c in children:
            self._len *= len(c)

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i):  # type: ignore[override]
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError(i)
        parts = []
        for child in reversed(self.children):  # the last child varies fastest
            i, r = divmod(i, len(child))
            parts.append(child[r])
        out: Part = {}
        for p in reversed(parts):
            out.update(p)
        return out

    def __iter__(self) -> Iterator[Part]:
        if self._len == 0:
            return
        children = self.children
        last = len(children) - 1

        def rec(i: int, acc: Part) -> Iterator[Part]:
            if i == last:
                for part in children[i]:
                    yield {**acc, **part}
                return
            for part in children[i]:
                yield from rec(i + 1, {**acc, **part})

        yield from rec(0, {})


class UnionSeq(Seq):
    def __init__(self, fixed: Part, branches: list[Seq]) -> None:
        self.fixed = fixed
        self.branches = branches
        self._offsets = []
        total = 0
        for b in branches:
            self._offsets.append(total)
            total += len(b)
        self._len = total

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i):  # type: ignore[override]
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError(i)
        b = bisect.bisect_right(self._offsets, i) - 1
        while len(self.branches[b]) == 0:  # pragma: no cover - offsets skip empty branches
            b += 1
        return {**self.fixed, **self.branches[b][i - self._offsets[b]]}

    def __iter__(self) -> Iterator[Part]:
        fixed = self.fixed
        for b in self.branches:
            for part in b:
                yield {**fixed, **part}


def make_product(children: list[Seq]) -> Seq:
    """Flatten nested products and merge neighbouring single configs (both keep the order and
    the `dict.update` merge), so iteration depth stays small."""
    flat: list[Seq] = []
    for c in children:
        for p in (c.children if isinstance(c, ProductSeq) else [c]):
            if isinstance(p, Single) and flat and isinstance(flat[-1], Single):
                flat[-1] = Single({**flat[-1].part, **p.part})
            else:
                flat.append(p)
    if not flat:
        return Single({})
    if len(flat) == 1:
        return flat[0]
    return ProductSeq(flat)


def _is_name_template(stmt: A.SweepStmt, prefix: str) -> bool:
    """`name: '...'` at the top of the key space: the config name template, not a sweep."""
    node = stmt.value
    return stmt.key == "name" and not prefix and isinstance(node, Lit) \
        and isinstance(node.value, str)


def _is_repeat(stmt: A.SweepStmt) -> bool:
    """`repeat: N` with an integer N: N seeds, not a sweep of the key `repeat`."""
    node = stmt.value
    return stmt.key == "repeat" and isinstance(node, Lit) and isinstance(node.value, int) \
        and not isinstance(node.value, bool)


def prefixed(prefix: str, key: str) -> str:
    """`with A.B:` + `s/x.y` -> `s/A.B.x.y` (a scope written inside stays in front)."""
    if not prefix:
        return key
    scope, _, rest = key.rpartition("/")
    return f"{scope}/{prefix}.{rest}" if scope else f"{prefix}.{rest}"


@dataclass
class Compiled:
    seq: Seq
    header: list = field(default_factory=list)
    swept: list[str] = field(default_factory=list)  # keys that vary by construction, in order
    template: tuple[str, tuple[int, int] | None] | None = None
    distributions: list[tuple[str, Dist]] = field(default_factory=list)


class Compiler:
    """Walks the statements once; every semantic error names its position."""

    def __init__(self) -> None:
        self.swept: dict[str, None] = {}
        self.template: tuple[str, tuple[int, int] | None] | None = None
        self.distributions: list[tuple[str, Dist]] = []

    def compile(self, file: A.File) -> Compiled:
        seq = self.block(file.body.body, "product", "", top=True, in_branch=False)
        return Compiled(seq, list(file.header), list(self.swept), self.template,
                        self.distributions)

    # -- statements -----------------------------------------------------------------------
    def _splice(self, stmts: list, prefix: str, top: bool) -> Iterator[tuple[object, str, bool]]:
        for s in stmts:
            if isinstance(s, A.With):
                yield from self._splice(s.body, prefixed(prefix, s.prefix), False)
            else:
                yield s, prefix, top

    def block(self, stmts: list, kind: str, prefix: str, top: bool, in_branch: bool,
              pos: tuple[int, int] | None = None) -> Seq:
        children: list[Seq] = []
        fixed: Part = {}
        for stmt, pre, at_top in self._splice(stmts, prefix, top):
            if isinstance(stmt, (A.Include, A.Import)):
                if not at_top:
                    word = "include" if isinstance(stmt, A.Include) else "import"
                    raise NodeError(f"`{word}` must be at the top level of the file (it applies "
                                    "to every config)", stmt.pos)
                continue
            if isinstance(stmt, A.Assign):
                key = prefixed(pre, stmt.key)
                value = self.value(stmt.value, key, allow_distribution=True)
                if isinstance(value, Dist):
                    self._mark(key)
                if kind == "union":
                    fixed[key] = value
                else:
                    if in_branch:
                        self._mark(key)
                    children.append(Single({key: value}))
            elif isinstance(stmt, A.SweepStmt):
                seq = self.sweep(stmt, pre, at_top)
                if seq is not None:
                    children.append(seq)
            elif isinstance(stmt, A.Block):
                children.append(self.block(stmt.body, stmt.kind, pre, False,
                                           in_branch or kind == "union", stmt.pos))
            elif isinstance(stmt, A.Table):
                children.append(self.table(stmt, pre))
            else:  # pragma: no cover
                raise TypeError(stmt)
        if kind == "product":
            return make_product(children)
        if not children:
            raise NodeError("this union has no branch, so it makes no config: its `key = value` "
                            "lines only apply to the branches; add a branch (`product:` or a "
                            "sweep) or write them outside the union", pos)
        return UnionSeq(fixed, children)

    def _mark(self, key: str) -> None:
        self.swept.setdefault(key, None)

    def sweep(self, stmt: A.SweepStmt, prefix: str, top: bool) -> Seq | None:
        """`key: values`, one config per value (or a distribution to sample); `name:` (the
        config name template) and `repeat: N` (N seeds) are the two keys of their own."""
        if _is_name_template(stmt, prefix):
            self._name_template(stmt, top)
            return None
        if _is_repeat(stmt):
            return self._repeat(stmt.value, prefix)  # type: ignore[arg-type]
        key = prefixed(prefix, stmt.key)
        self._mark(key)
        return self._values(key, stmt)

    def _values(self, key: str, stmt: A.SweepStmt) -> Seq:
        """The values a sweep `key: ...` gives: a list, a sweep function or a distribution."""
        node = stmt.value
        if isinstance(node, Func):
            return self._function_sweep(key, node)
        if isinstance(node, Lit) and isinstance(node.value, list):
            if not node.value:
                raise NodeError(f"the sweep of {key!r} has no values", node.pos)
            return Many(key, [Lit(v, node.pos) for v in node.value])
        if isinstance(node, ListNode) and not isinstance(node, TupleNode):
            if not node.items:  # pragma: no cover - empty lists are literals
                raise NodeError(f"the sweep of {key!r} has no values", node.pos)
            return Many(key, [self.value(v, key, allow_distribution=False) for v in node.items])
        raise NodeError(f"a sweep `{stmt.key}: ...` needs a list [v1, v2, ...], range(), "
                        "linspace(), logspace(), geomspace() or a distribution; for a single "
                        f"value write `{stmt.key} = ...`", node.pos or stmt.pos)

    def _name_template(self, stmt: A.SweepStmt, top: bool) -> None:
        if not top:
            raise NodeError("`name:` (the config name template) must be at the top level",
                            stmt.pos)
        if self.template is not None:
            raise NodeError("`name:` is given twice", stmt.pos)
        self.template = (stmt.value.value, stmt.value.pos)  # type: ignore[attr-defined]

    def _repeat(self, node: Lit, prefix: str) -> Seq:
        """`repeat: N`: a sweep of `seed` over 0 .. N-1."""
        if node.value < 1:
            raise NodeError(f"`repeat: N` needs N >= 1, got {node.value}", node.pos)
        key = prefixed(prefix, "seed")
        self._mark(key)
        if node.value > MAX_VALUES:
            raise NodeError(f"`repeat: {node.value}` gives more than {MAX_VALUES:,} seeds, "
                            "which is surely a mistake", node.pos)
        return Many(key, LitSeq(range(node.value), node.pos))

    def _function_sweep(self, key: str, node: Func) -> Seq:
        """`key: range(...)` and friends give values; `key: uniform(...)` a distribution."""
        if is_sweep_function(node.name):
            return Many(key, sweep_values(node))
        dist = make_distribution(node)
        self.distributions.append((key, dist))
        return Single({key: dist})

    def table(self, stmt: A.Table, prefix: str) -> Seq:
        keys = [prefixed(prefix, k) for k in stmt.keys]
        seen: set[str] = set()
        for k, pos in zip(keys, stmt.key_pos):
            if k in seen:
                raise NodeError(f"the table has the column {k!r} twice", pos)
            seen.add(k)
            self._mark(k)
        for row in stmt.rows:
            if len(row.cells) != len(keys):
                raise NodeError(f"this row has {len(row.cells)} value(s) but the table has "
                                f"{len(keys)} column(s) ({', '.join(keys)})", row.pos)
            for key, cell in zip(keys, row.cells):
                self.value(cell, key, allow_distribution=False)
        return TableSeq(keys, stmt.rows)

    def value(self, node: Node, key: str, allow_distribution: bool) -> Node:
        if isinstance(node, Func):
            if allow_distribution and is_distribution(node.name):
                dist = make_distribution(node)
                self.distributions.append((key, dist))
                return dist
            if is_sweep_function(node.name):
                raise NodeError(f"{node.name}(...) gives several values: write `{key}: "
                                f"{node.name}(...)` to sweep over them", node.pos)
            raise NodeError(f"a distribution can only be the whole value of a key "
                            f"(`{key}: {node.name}(...)`)", node.pos)
        for sub in walk(node):
            if isinstance(sub, Func):
                raise NodeError(f"{sub.name}(...) can only be the whole value of a key "
                                f"(`key: {sub.name}(...)`), not part of an expression", sub.pos)
        return node
