"""SearchSpace: an ordered mapping of dotted names to distributions, possibly conditional.

A `Choice` whose options are nested `SearchSpace`s makes the nested names conditional: they are
active only when their parent takes that option. Nested names are used as written (not prefixed
by the parent), so two branches may share a name if they give it the same distribution.
A plain nested dict (not inside a Choice) is flattened with dotted names: {"opt": {"lr": d}}
gives "opt.lr".
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from ._distributions import Constant, Distribution, distribution_from_dict


class SearchSpace(Mapping):
    """Ordered, possibly conditional mapping of parameter names to distributions."""

    def __init__(self, entries: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        self._entries: dict[str, Distribution] = {}
        for name, value in {**(entries or {}), **kwargs}.items():
            self._add(str(name), value)
        # All names reachable in any branch, in depth-first order, and where they are defined.
        self._flat: dict[str, Distribution] = {}
        self._collect(self, self._flat)
        self.names: list[str] = list(self._flat)
        self._position = {n: i for i, n in enumerate(self.names)}
        self.is_conditional = any(d.has_subspaces for d in self._flat.values())

    def _add(self, name: str, value: Any) -> None:
        if not name:
            raise ValueError("SearchSpace: parameter names must be non-empty strings")
        if isinstance(value, SearchSpace) or (isinstance(value, Mapping)
                                              and not isinstance(value, Distribution)):
            inner = value if isinstance(value, SearchSpace) else SearchSpace(value)
            if inner.is_conditional:
                # Keep the tree: prefix top-level names only is ambiguous with conditions.
                raise ValueError(f"SearchSpace: {name!r} nests a conditional space inside a plain "
                                 "dict; put the Choice at the top level or inside another Choice")
            for child, dist in inner._entries.items():
                self._add(f"{name}.{child}", dist)
            return
        if not isinstance(value, Distribution):
            value = Constant(value)
        if name in self._entries:
            raise ValueError(f"SearchSpace: parameter {name!r} is defined twice")
        self._entries[name] = value

    @staticmethod
    def _collect(space: SearchSpace, flat: dict[str, Distribution]) -> None:
        for name, dist in space._entries.items():
            old = flat.get(name)
            if old is not None and old != dist:
                raise ValueError(f"SearchSpace: parameter {name!r} appears in two branches with "
                                 f"different distributions ({old!r} and {dist!r}); rename one")
            flat[name] = dist
            for sub in dist.subspaces():
                SearchSpace._collect(sub, flat)

    # -- Mapping ------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Distribution:
        return self._flat[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"SearchSpace({self._entries!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and other.to_dict() == self.to_dict()

    def __hash__(self) -> int:
        return hash(tuple(self.names))

    def to_dict_key(self) -> str:
        import json

        return json.dumps(self.to_dict(), sort_keys=True)

    @property
    def top_level(self) -> dict[str, Distribution]:
        """The unconditional entries, as written."""
        return dict(self._entries)

    # -- walking the tree ---------------------------------------------------------------------
    def walk(self, pick: Callable[[str, Distribution], Any]) -> dict[str, Any]:
        """The active parameters, parents first: `pick(name, distribution)` gives each value,
        and a value that opens a nested space (a Choice's branch) makes its names next."""
        out: dict[str, Any] = {}
        stack = [iter(self._entries.items())]
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
                continue
            name, dist = item
            if name in out:
                continue
            value = out[name] = pick(name, dist)
            if dist.has_subspaces:
                sub = dist.subspace(value)
                if sub is not None:
                    stack.append(iter(sub._entries.items()))
        return out

    def sample(self, rng: np.random.Generator | int | None = None) -> dict[str, Any]:
        """A random point: stored values of the active parameters only."""
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        return self.walk(lambda name, dist: dist.sample(rng))

    def active_names(self, params: Mapping[str, Any]) -> list[str]:
        """Names that are active given the values of their parents in `params`."""
        def pick(name: str, dist: Distribution) -> Any:
            if name not in params:
                raise KeyError(name)
            return params[name]
        try:
            return list(self.walk(pick))
        except KeyError as exc:
            raise ValueError(f"parameter {exc.args[0]!r} is missing; the space needs it "
                             "given the values of its parents") from None

    def validate(self, params: Mapping[str, Any]) -> None:
        """Raise ValueError naming the parameter if `params` is not a point of this space."""
        def pick(name: str, dist: Distribution) -> Any:
            if name not in params:
                raise ValueError(f"parameter {name!r} is missing (expected a value of {dist!r})")
            dist.check(params[name], name)
            return params[name]
        active = self.walk(pick)
        extra = [n for n in params if n not in active]
        if extra:
            unknown = [n for n in extra if n not in self._flat]
            if unknown:
                raise ValueError(f"parameter {unknown[0]!r} is not in the search space; "
                                 f"known names: {self.names}")
            raise ValueError(f"parameter {extra[0]!r} is inactive given its parent's value; "
                             "remove it")

    def contains(self, params: Mapping[str, Any]) -> bool:
        try:
            self.validate(params)
        except ValueError:
            return False
        return True

    def to_external(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Stored values -> the objects handed to user code (classes for import paths)."""
        return {n: self._flat[n].to_external(v) if n in self._flat else v
                for n, v in params.items()}

    # -- grids --------------------------------------------------------------------------------
    def grid(self) -> list[dict[str, Any]]:
        """Every point of a finite space, first parameter outermost."""
        def expand(entries: dict[str, Distribution]) -> list[dict[str, Any]]:
            per_entry: list[list[dict[str, Any]]] = []
            for name, dist in entries.items():
                options: list[dict[str, Any]] = []
                for value in dist.values():
                    sub = dist.subspace(value)
                    if sub is None:
                        options.append({name: value})
                    else:
                        options.extend({name: value, **rest} for rest in expand(sub._entries))
                per_entry.append(options)
            return [dict(kv for part in combo for kv in part.items())
                    for combo in itertools.product(*per_entry)]
        return expand(self._entries)

    @property
    def is_finite(self) -> bool:
        return all(d.finite for d in self._flat.values())

    # -- numeric encoding ---------------------------------------------------------------------
    def encode(self, params: Mapping[str, Any]) -> np.ndarray:
        """A vector over `names`: numeric values in [0, 1], choices as option index, NaN if inactive."""
        out = np.full(len(self.names), np.nan)
        for name, value in params.items():
            i = self._position.get(name)
            if i is not None:
                out[i] = self._flat[name].encode(value)
        return out

    def from_unit(self, u: np.ndarray) -> dict[str, Any]:
        """A point from a vector in the unit hypercube over `names` (choices take floor(u * n)):
        how random and quasi-random samplers map their draws."""
        def pick(name: str, dist: Distribution) -> Any:
            x = float(u[self._position[name]])
            if not dist.numeric:  # a Choice or a Constant
                n = len(dist.values())
                return dist.decode(min(n - 1, int(x * n)))
            return dist.decode(x)
        return self.walk(pick)

    def decode(self, vector: np.ndarray) -> dict[str, Any]:
        """Inverse of `encode`, following the conditions (entries of inactive names are ignored)."""
        return self.walk(lambda name, dist: dist.decode(vector[self._position[name]]))

    # -- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"type": "space", "params": {n: d.to_dict() for n, d in self._entries.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchSpace:
        if not isinstance(data, Mapping) or data.get("type") != "space":
            raise ValueError(f"not a search space: expected {{'type': 'space', 'params': ...}}, "
                             f"got {data!r}")
        return cls({n: distribution_from_dict(d) for n, d in data["params"].items()})
