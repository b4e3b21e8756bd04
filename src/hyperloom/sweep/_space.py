"""Sweep files with distributions -> a `SearchSpace` any sampler can use, and back to configs.

Distributions become parameters of the same name. A grid around them (`model: ['a', 'b']` next
to `lr: loguniform(1e-4, 1e-1)`) is grid x sampled: when the grid is a full product, each of its
varying keys becomes a categorical parameter (a Choice of its values, so samplers model each key);
otherwise the grid point itself is one categorical parameter, `GRID_PARAM`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from ._config import Config
from ._errors import SweepError
from ._nodes import Dist, Lit, Node
from ._render import json_form
from ._text import node_text

#: Parameter name of the grid point when the grid is not a full product (never a Gin key).
GRID_PARAM = "sweep:grid"


class SweepSpace:
    """The search space of a sweep file and the way from sampled params back to a `Config`."""

    def __init__(self, sweep: Any) -> None:
        from ..space import Choice, SearchSpace

        self.sweep = sweep
        sweep.check_listable()
        self._parts: list[dict[str, Node]] = list(sweep.grid_parts())
        source = sweep.source
        if not self._parts:
            raise SweepError("this sweep has no configs (an empty union?)", source)
        self._dists = _sampled(self._parts, source)
        entries: dict[str, Any] = {}
        self._grid_keys: list[str] = []
        self._lookup: dict[tuple, int] | None = None
        self._forms: dict[str, list[Any]] = {}
        if len(self._parts) > 1:
            self._grid(entries, Choice)
        for key, dist in self._dists.items():
            entries[key] = dist.distribution
        self.space = SearchSpace(entries)

    def _grid(self, entries: dict[str, Any], choice: Any) -> None:
        """The grid as one choice per varying key when the parts are exactly their product
        (so samplers see real parameters), else as one choice of part index (GRID_PARAM)."""
        texts = _varying(self._parts, self._dists)
        product = _as_product(self._parts, texts)
        if product is None:
            entries[GRID_PARAM] = choice(list(range(len(self._parts))))
            return
        self._grid_keys = list(texts)
        self._lookup, self._forms = product
        for k in self._grid_keys:
            entries[k] = choice(self._forms[k])

    @property
    def names(self) -> list[str]:
        return list(self.space.names)

    def part_index(self, params: Mapping[str, Any]) -> int:
        if len(self._parts) == 1:
            return 0
        if self._lookup is None:
            return int(params[GRID_PARAM])
        keys = []
        for k in self._grid_keys:
            wanted = json.dumps(params[k], sort_keys=True)
            forms = [json.dumps(f, sort_keys=True) for f in self._forms[k]]
            if wanted not in forms:
                raise ValueError(f"{params[k]!r} is not a value of {k!r} in this sweep")
            keys.append(forms.index(wanted))
        return self._lookup[tuple(keys)]

    def config(self, params: Mapping[str, Any]) -> Config:
        """The config of sampled `params` (stored values, as a study records them)."""
        part = dict(self._parts[self.part_index(params)])
        for key, node in part.items():
            if isinstance(node, Dist):
                value = params[key]
                value = value.item() if hasattr(value, "item") else value
                if node.options is not None:
                    part[key] = node.options[node.distribution.index(value)]
                else:
                    part[key] = Lit(value, node.pos)
        return self.sweep.make_config(part, None).validate()


def _sampled(parts: list[dict[str, Node]], source: Any) -> dict[str, Dist]:
    """The distribution of each sampled key; one key sampled two ways is an error."""
    dists: dict[str, Dist] = {}
    for part in parts:
        for key, node in part.items():
            if isinstance(node, Dist):
                old = dists.setdefault(key, node)
                if old.distribution != node.distribution:
                    line, column = node.pos or (None, None)
                    raise SweepError(f"{key!r} is sampled from two different distributions "
                                     f"({node_text(old)} and {node_text(node)}); give one of "
                                     "them another key", source, line, column)
    return dists


def _varying(parts: list[dict[str, Node]], sampled: Mapping[str, Dist]) -> dict[str, list[str]]:
    """The grid keys whose value differs between parts (or that some part lacks), each with
    its distinct texts in order of first appearance (None where a part lacks the key)."""
    keys: dict[str, None] = {}
    for part in parts:
        keys.update(dict.fromkeys(k for k in part if k not in sampled))
    texts: dict[str, list[str]] = {}
    for key in keys:
        seen = [node_text(p[key]) if key in p else None for p in parts]
        if None in seen or len(set(seen)) > 1:
            texts[key] = list(dict.fromkeys(seen))
    return texts


def _as_product(parts: list[dict[str, Node]], texts: dict[str, list[str]]
                ) -> tuple[dict[tuple, int], dict[str, list[Any]]] | None:
    """When the parts are each combination of the varying keys' values exactly once, and the
    values stay distinct as JSON: the part index of each combination and each key's values as
    stored. Otherwise None."""
    if any(None in t for t in texts.values()) \
            or math.prod(len(t) for t in texts.values()) != len(parts):
        return None
    lookup = {tuple(texts[k].index(node_text(part[k])) for k in texts): i
              for i, part in enumerate(parts)}
    forms = {k: _stored_forms(parts, k, t) for k, t in texts.items()}
    distinct = all(len({json.dumps(f, sort_keys=True) for f in f_k}) == len(f_k)
                   for f_k in forms.values())
    if not distinct or len(lookup) != len(parts):
        return None
    return lookup, forms


def _stored_forms(parts: list[dict[str, Node]], key: str, texts: list[str]) -> list[Any]:
    """`key`'s value for each text, as a study stores it (from the first part that has it)."""
    firsts = {t: next(p[key] for p in parts if node_text(p[key]) == t) for t in texts}
    return [json_form(firsts[t]) for t in texts]
