"""The public entry points: a parsed sweep file (`Sweep`) and the functions built on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._config import Config
from ._errors import NodeError, Source, SweepError
from ._expand import Compiled, Compiler
from ._limits import too_many_configs
from ._parser import parse

TextOrPath = str | os.PathLike


def load_source(text_or_path: TextOrPath) -> Source:
    """A path (os.PathLike, or a one-line string naming an existing file or ending in
    .hyp/.gin) is read; any other string is the text itself."""
    if isinstance(text_or_path, os.PathLike):
        path = Path(text_or_path)
    elif isinstance(text_or_path, str) and "\n" not in text_or_path and (
            text_or_path.endswith((".hyp", ".gin")) or os.path.isfile(text_or_path)):
        path = Path(text_or_path)
    elif isinstance(text_or_path, str):
        return Source(text_or_path)
    else:
        raise TypeError(f"expected sweep text or a path, got {type(text_or_path).__name__}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"sweep file {str(path)!r} does not exist") from None
    return Source(text, str(path), str(path.resolve()))


class Sweep:
    """A parsed and checked sweep file. Iterating gives its configs lazily (each checked as
    it is made); `len()` and indexing do not build the others. A file with distributions is
    sampled through `search_space()` instead."""

    def __init__(self, text_or_path: TextOrPath) -> None:
        self.source = load_source(text_or_path)
        try:
            self._compiled: Compiled = Compiler().compile(parse(self.source))
        except NodeError as exc:
            raise exc.to_sweep_error(self.source) from None

    @property
    def header(self) -> list[Any]:
        return list(self._compiled.header)

    @property
    def swept_keys(self) -> list[str]:
        """Keys set by sweeps, tables, `repeat`, distributions or inside union branches."""
        return list(self._compiled.swept)

    @property
    def sampled(self) -> bool:
        """True when the file has distributions (it must be sampled, not enumerated)."""
        return bool(self._compiled.distributions)

    def _check_enumerable(self) -> None:
        if self._compiled.distributions:
            key, dist = self._compiled.distributions[0]
            line, column = dist.pos or (None, None)
            raise SweepError(f"{key!r} is sampled from a distribution, so this file has no list "
                             "of configs; use to_search_space() or `hyperloom run --sampler "
                             "...` to sample it", self.source, line, column)

    def make_config(self, part: dict, index: int | None) -> Config:
        c = self._compiled
        return Config(part, header=c.header, source=self.source, index=index, swept=c.swept,
                      template=c.template)

    def __len__(self) -> int:
        """The number of configs of the grid (for a sampled file: grid points, each sampled)."""
        return len(self._compiled.seq)

    def __getitem__(self, index: int) -> Config:
        self._check_enumerable()
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"config {index} of a sweep of {n}")
        return self.make_config(self._compiled.seq[index], index).validate()

    def __iter__(self) -> Iterator[Config]:
        """The configs in order; more than MAX_CONFIGS is an error here, because iterating a
        Sweep usually lists it (`list(sweep)`): iter_configs() walks any number lazily."""
        self._check_enumerable()
        self.check_listable()
        return self._iter()

    def check_listable(self) -> None:
        """Raises a SweepError (counting the configs, without making them) when there are
        too many to list."""
        reason = too_many_configs(len(self))
        if reason is not None:
            raise SweepError(reason, self.source, 1, 1)

    def _iter(self) -> Iterator[Config]:
        for i, part in enumerate(self._compiled.seq):
            yield self.make_config(part, i).validate()

    def grid_parts(self) -> Iterator[dict]:
        """Raw configs including distribution values (for the search space)."""
        return iter(self._compiled.seq)

    def search_space(self):
        """The `SweepSpace` of a file with distributions (or of a plain grid)."""
        from ._space import SweepSpace

        return SweepSpace(self)


def expand(text_or_path: TextOrPath) -> list[Config]:
    """Every config of a sweep file, in order. All errors are raised here, eagerly."""
    return list(Sweep(text_or_path))


def iter_configs(text_or_path: TextOrPath) -> Iterator[Config]:
    """The configs one at a time, without building the list; syntax and structural errors
    are raised by this call, value errors when the config that has them is made."""
    sweep = Sweep(text_or_path)
    sweep._check_enumerable()
    return sweep._iter()


def to_search_space(text_or_path: TextOrPath):
    """The `SearchSpace` of a sweep file with distributions, for any sampler (the grid part,
    if any, becomes categorical parameters: grid x sampled)."""
    return Sweep(text_or_path).search_space().space


def parse_config(text: str, *, apply: bool = True, skip_unknown: bool = False) -> Config:
    """A Gin file that may use `with` blocks, expressions and calls with arguments, as one
    `Config`; with `apply` (the default) it is also loaded into Gin (added to the current
    config, like `gin.parse_config`)."""
    return _one_config(Sweep(text), apply, skip_unknown)


def parse_config_file(path: str | os.PathLike, *, apply: bool = True,
                      skip_unknown: bool = False) -> Config:
    """`parse_config` for a file; relative includes are looked up next to it first."""
    return _one_config(Sweep(Path(path)), apply, skip_unknown)


def _one_config(sweep: Sweep, apply: bool, skip_unknown: bool) -> Config:
    sweep._check_enumerable()
    if len(sweep) != 1:
        raise SweepError(f"this file is a sweep of {len(sweep)} configs, not one Gin config; "
                         "use expand() or `hyperloom sweep`", sweep.source)
    config = sweep.make_config(sweep._compiled.seq[0], None).validate()
    if apply:
        config.apply(clear=False, skip_unknown=skip_unknown)
    return config
