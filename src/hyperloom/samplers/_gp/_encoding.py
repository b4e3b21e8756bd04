"""How points of a search space become GP inputs, and back: the one view of a space that the
GP sampler and the acquisition optimizer share."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...space import Choice, Constant, SearchSpace
from ...storage import FrozenTrial

_MAX_GRID = 2048  # discrete numeric dimensions with more values are treated as continuous


class Encoding:
    """How points of a space map to GP inputs: continuous columns x (the unit encoding of
    every numeric parameter) and categorical codes c (option index; -1 when inactive).
    Inactive numeric parameters of a conditional space sit at 0.5."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self.names = space.names
        self.x_names: list[str] = []
        self.c_names: list[str] = []
        self.c_sizes: list[int] = []
        self.grids: list[np.ndarray | None] = []
        for n in self.names:
            d = space[n]
            if isinstance(d, Constant) or (isinstance(d, Choice) and len(d.values()) < 2):
                continue
            if isinstance(d, Choice):
                self.c_names.append(n)
                self.c_sizes.append(len(d.values()))
            else:
                self.x_names.append(n)
                grid = None
                if d.finite and (d.high - d.low) / getattr(d, "step", getattr(d, "q", 1)) \
                        < _MAX_GRID:
                    grid = np.array(sorted(d.encode(v) for v in d.values()))
                self.grids.append(grid)
        self.conditional = space.is_conditional
        self._masks: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._rows: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
        pos = {n: i for i, n in enumerate(self.names)}
        self._x_idx = np.array([pos[n] for n in self.x_names], dtype=np.int64)
        self._c_idx = np.array([pos[n] for n in self.c_names], dtype=np.int64)

    @property
    def n_x(self) -> int:
        return len(self.x_names)

    @property
    def n_c(self) -> int:
        return len(self.c_names)

    def encode(self, params_list: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        x = np.full((len(params_list), self.n_x), 0.5)
        c = np.full((len(params_list), self.n_c), -1, dtype=np.int64)
        for i, p in enumerate(params_list):
            for j, n in enumerate(self.x_names):
                if n in p:
                    x[i, j] = self.space[n].encode(p[n])
            for j, n in enumerate(self.c_names):
                if n in p:
                    c[i, j] = int(self.space[n].encode(p[n]))
        return x, c

    def encode_trials(self, trials: list[FrozenTrial], tag: str) -> tuple[np.ndarray, np.ndarray]:
        """`encode` for completed trials, remembering each row (they never change)."""
        missing = [t for t in trials if (tag, t.number) not in self._rows]
        if missing:
            x, c = self.encode([t.params for t in missing])
            for t, xr, cr in zip(missing, x, c):
                self._rows[tag, t.number] = (xr, cr)
        if not trials:
            return np.zeros((0, self.n_x)), np.zeros((0, self.n_c), dtype=np.int64)
        rows = [self._rows[tag, t.number] for t in trials]
        return np.array([r[0] for r in rows]), np.array([r[1] for r in rows], dtype=np.int64)

    def to_params(self, x: np.ndarray, c: np.ndarray) -> dict[str, Any]:
        vec = np.zeros(len(self.names))
        vec[self._x_idx] = x
        vec[self._c_idx] = np.maximum(c, 0)
        return self.space.decode(vec)

    def mask(self, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Active continuous and categorical columns for the categorical codes `c`."""
        key = tuple(int(v) for v in c)
        got = self._masks.get(key)
        if got is None:
            active = set(self.to_params(np.full(self.n_x, 0.5), c))
            got = (np.array([n in active for n in self.x_names], dtype=bool),
                   np.array([n in active for n in self.c_names], dtype=bool))
            if len(self._masks) < 10000:
                self._masks[key] = got
        return got

    def canonical(self, x: np.ndarray, c: np.ndarray) -> None:
        """In place: give newly active categories a code and park inactive columns."""
        if not self.conditional:
            return
        for i in range(len(c)):
            for _ in range(self.n_c + 1):
                mx, mc = self.mask(c[i])
                fix = mc & (c[i] < 0)
                if not fix.any():
                    break
                c[i, fix] = 0
            x[i, ~mx] = 0.5
            c[i, ~mc] = -1

    def snap(self, x: np.ndarray) -> np.ndarray:
        """Move discrete columns onto their encoded values (the nearest one)."""
        x = x.copy()
        for j, grid in enumerate(self.grids):
            if grid is None:
                continue
            col = x[:, j]
            mids = (grid[1:] + grid[:-1]) / 2
            x[:, j] = grid[np.searchsorted(mids, col)]
        return x

    def random(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.random((n, self.n_x))
        c = np.stack([rng.integers(0, k, n) for k in self.c_sizes], axis=1) if self.n_c \
            else np.zeros((n, 0), dtype=np.int64)
        self.canonical(x, c)
        return self.snap(x), c
