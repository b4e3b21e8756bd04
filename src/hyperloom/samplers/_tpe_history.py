"""Per-study incremental record of finished trials for TPE.

Finished trials never change, so each one is encoded once, appended to growing numpy columns,
and never read again: a proposal costs O(new trials) to catch up, then vectorized work over the
columns. Also maintains the group decomposition of define-by-run parameters (the finest
partition of parameters such that every trial's parameter set is a union of groups).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..space import Choice, Distribution
from ..storage import FrozenTrial, TrialState

Key = tuple[str, Distribution]


class Column:
    """Encoded values of one (name, distribution) over the recorded trials; NaN where absent."""

    __slots__ = ("dist", "data", "id")

    def __init__(self, dist: Distribution, capacity: int, ident: int) -> None:
        self.dist = dist
        self.data = np.full(capacity, np.nan)
        self.id = ident


class History:
    """Finished trials of one study, as arrays (rows in the order trials were recorded)."""

    def __init__(self, n_objectives: int) -> None:
        self.n_objectives = n_objectives
        self.frontier = 0  # trials[:frontier] are all finished and recorded
        self.seen: set[int] = set()  # recorded positions at or beyond the frontier
        self.n = 0
        self._cap = 64
        self.numbers = np.zeros(self._cap, dtype=np.int64)
        self.pruned = np.zeros(self._cap, dtype=bool)
        self.step = np.zeros(self._cap)  # last reported step of a pruned trial
        self.violation = np.zeros(self._cap)  # sum of the positive constraint values
        self.values = np.zeros((self._cap, n_objectives))  # to minimize; inf when unknown
        self.columns: dict[Key, Column] = {}
        self.by_name: dict[str, list[Key]] = {}
        self.n_pruned = 0
        self.n_infeasible = 0
        # Group decomposition (define-by-run), in first-seen order.
        self.groups: list[list[Key]] = []
        self.version = 0  # bumped whenever `groups` changes
        self._ids: dict[Key, int] = {}  # key -> position in first-seen order
        self._group_ids: list[list[int]] = []
        self._signatures: set[frozenset[int]] = set()
        self._matrices: dict[int, list] = {}
        self._last: dict[str, Column] = {}  # per name, the column its last value went to
        self._branches: tuple[int, frozenset[str]] | None = None  # (n, `branch_choices()`)

    # -- recording ----------------------------------------------------------------------------
    def _grow(self) -> None:
        cap = self._cap * 2
        self.numbers = np.resize(self.numbers, cap)
        self.pruned = np.resize(self.pruned, cap)
        self.step = np.resize(self.step, cap)
        self.violation = np.resize(self.violation, cap)
        self.values = np.resize(self.values, (cap, self.n_objectives))
        for col in self.columns.values():
            data = np.full(cap, np.nan)
            data[: self._cap] = col.data
            col.data = data
        self._cap = cap

    def record(self, trial: FrozenTrial, signs: np.ndarray) -> None:
        """Append one COMPLETE or PRUNED trial (anything else is ignored)."""
        if trial.state == TrialState.COMPLETE:
            vals = trial.values
            if vals is None or len(vals) != self.n_objectives:
                return
            row_vals = [float(v) * s for v, s in zip(vals, signs)]
            pruned, step = False, 0.0
        elif trial.state == TrialState.PRUNED:
            pruned = True
            iv = trial.intermediate_values
            if iv and self.n_objectives == 1:
                step = float(max(iv))
                row_vals = [float(iv[max(iv)]) * signs[0]]
            else:
                step, row_vals = -math.inf, [math.inf] * self.n_objectives
        else:
            return
        if self.n == self._cap:
            self._grow()
        i = self.n
        self.numbers[i] = trial.number
        self.pruned[i] = pruned
        self.step[i] = step
        self.values[i] = [math.inf if v != v else v for v in row_vals]  # NaN -> worst
        self.n_pruned += pruned
        self.violation[i] = trial.violation
        self.n_infeasible += self.violation[i] != 0
        keys: list[int] = []
        columns = self.columns
        dists = trial.distributions
        last = self._last
        for name, value in trial.params.items():
            dist = dists.get(name)
            if dist is None:
                continue
            col = last.get(name)
            if col is None or col.dist is not dist:  # the same object: no need to compare
                key = (name, dist)
                col = columns.get(key)
            if col is None:
                col = columns[key] = Column(dist, self._cap, len(self._ids))
                self.by_name.setdefault(name, []).append(key)
                self._ids[key] = col.id
            last[name] = col
            try:
                col.data[i] = dist.encode(value)
            except (ValueError, TypeError):
                continue
            keys.append(col.id)
        self.n += 1
        ids = frozenset(keys)
        if ids not in self._signatures:  # a new set of parameters may refine the groups
            self._signatures.add(ids)
            self._update_groups(ids)

    def _update_groups(self, present: frozenset[int]) -> None:
        new: list[list[int]] = []
        changed = False
        covered: set[int] = set()
        for g in self._group_ids:
            inside = [k for k in g if k in present]
            covered.update(g)
            if inside and len(inside) < len(g):
                new.extend([inside, [k for k in g if k not in present]])
                changed = True
            else:
                new.append(g)
        rest = sorted(present - covered)
        if rest:
            new.append(rest)
            changed = True
        if changed:
            self._group_ids = new
            by_id = list(self._ids)
            self.groups = [[by_id[k] for k in g] for g in new]
            self.version += 1

    # -- reading ------------------------------------------------------------------------------
    def branch_choices(self) -> frozenset[str]:
        """Names of the categorical parameters that choose between branches, inferred from
        the trials: some other parameter is present in every trial with one of its values and
        absent from every trial with another (define-by-run code that asks different questions
        after each answer). Recomputed as the trials double: the structure settles early."""
        n = self.n
        if self._branches is not None and n < 2 * max(self._branches[0], 4):
            return self._branches[1]
        keys = list(self.columns)
        present = np.empty((n, len(keys)), dtype=bool)
        for j, k in enumerate(keys):
            present[:, j] = ~np.isnan(self.columns[k].data[:n])
        names = np.array([name for name, _ in keys])
        found = set()
        for j, (name, dist) in enumerate(keys):
            if not isinstance(dist, Choice) or len(dist.values()) < 2:
                continue
            codes = self.columns[keys[j]].data[:n]
            # Per value taken: the share of its trials in which each parameter is present.
            shares = np.array([present[codes == v].mean(axis=0)
                               for v in np.unique(codes[present[:, j]])])
            other = names != name
            if len(shares) > 1 and (other & (shares.max(axis=0) == 1.0)
                                    & (shares.min(axis=0) == 0.0)).any():
                found.add(name)
        self._branches = (n, frozenset(found))
        return self._branches[1]

    def matrix(self, keys: list[Key]) -> tuple[np.ndarray, np.ndarray]:
        """(rows where every key is present, their encoded values (rows x keys)). Cached per
        `keys` list (by identity): only rows recorded since the last call are added."""
        cached = self._matrices.get(id(keys))
        if cached is None or cached[0] is not keys:
            cached = self._matrices[id(keys)] = [keys, 0, _Rows(len(keys))]
        done, buf = cached[1], cached[2]
        n = self.n
        if done < n:
            x = np.empty((n - done, len(keys)))
            for j, k in enumerate(keys):
                col = self.columns.get(k)
                x[:, j] = col.data[done:n] if col is not None else np.nan
            ok = ~np.isnan(x).any(axis=1)
            buf.extend(np.flatnonzero(ok) + done, x[ok])
            cached[1] = n
        return buf.rows[:buf.n], buf.x[:buf.n]


class _Rows:
    """A growing (rows, values) pair."""

    def __init__(self, d: int) -> None:
        self.n = 0
        self.rows = np.zeros(64, dtype=np.int64)
        self.x = np.zeros((64, d))

    def extend(self, rows: np.ndarray, x: np.ndarray) -> None:
        m = self.n + len(rows)
        if m > len(self.rows):
            cap = max(m, 2 * len(self.rows))
            self.rows = np.resize(self.rows, cap)
            grown = np.zeros((cap, self.x.shape[1]))
            grown[: self.n] = self.x[: self.n]
            self.x = grown
        self.rows[self.n:m] = rows
        self.x[self.n:m] = x
        self.n = m


def params_vector(params: dict[str, Any], keys: list[Key]) -> np.ndarray | None:
    """Encoded values of a running trial's params for `keys`, or None if one is missing."""
    out = np.empty(len(keys))
    for j, (name, dist) in enumerate(keys):
        if name not in params:
            return None
        try:
            out[j] = dist.encode(params[name])
        except (ValueError, TypeError):
            return None
    return out
