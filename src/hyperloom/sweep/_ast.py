"""Statements of a sweep file, as the parser builds them (values are `_nodes` nodes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._nodes import Node, Pos


@dataclass
class Assign:
    """`key = value`: one config with one binding."""

    key: str
    value: Node
    pos: Pos


@dataclass
class SweepStmt:
    """`key: value`: one config per element of the list (or a distribution to sample)."""

    key: str
    value: Node
    pos: Pos


@dataclass
class Include:
    path: str
    pos: Pos

    def text(self) -> str:
        return f"include {self.path!r}"


@dataclass
class Import:
    module: str
    pos: Pos

    def text(self) -> str:
        return f"import {self.module}"


@dataclass
class Block:
    """`product:` or `union:` (the file body is an implicit product)."""

    kind: str
    body: list = field(default_factory=list)
    pos: Pos = None


@dataclass
class With:
    """`with A.B:` prefixes `A.B.` to every key inside and splices its statements."""

    prefix: str
    body: list
    pos: Pos


@dataclass
class Row:
    cells: list[Node]
    pos: Pos


@dataclass
class Table:
    keys: list[str]
    key_pos: list[Pos]
    rows: list[Row]
    pos: Pos


@dataclass
class File:
    body: Block
    header: list = field(default_factory=list)  # Include / Import, in file order
