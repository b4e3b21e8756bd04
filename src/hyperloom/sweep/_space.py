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
        self._dists: dict[str, Dist] = {}
        for part in self._parts:
            for key, node in part.items():
                if isinstance(node, Dist):
                    old = self._dists.setdefault(key, node)
                    if old.distribution != node.distribution:
                        line, column = node.pos or (None, None)
                        raise SweepError(f"{key!r} is sampled from two different distributions "
                                         f"({node_text(old)} and {node_text(node)}); give one of "
                                         "them another key", source, line, column)
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
        keys: dict[str, None] = {}
        for part in self._parts:
            keys.update(dict.fromkeys(k for k in part if k not in self._dists))
        texts: dict[str, list[str]] = {}
        varying = []
        for key in keys:
            seen = [node_text(p[key]) if key in p else None for p in self._parts]
            if None in seen or len(set(seen)) > 1:
                varying.append(key)
                texts[key] = list(dict.fromkeys(seen))
        full = (all(None not in texts[k] for k in varying)
                and math.prod(len(texts[k]) for k in varying) == len(self._parts))
        if full:
            lookup: dict[tuple, int] = {}
            for i, part in enumerate(self._parts):
                lookup[tuple(texts[k].index(node_text(part[k])) for k in varying)] = i
            forms = {}
            for k in varying:
                firsts = {t: next(p[k] for p in self._parts if node_text(p[k]) == t)
                          for t in texts[k]}
                forms[k] = [json_form(firsts[t]) for t in texts[k]]
                if len({json.dumps(f, sort_keys=True) for f in forms[k]}) != len(forms[k]):
                    full = False
            if full and len(lookup) == len(self._parts):
                self._grid_keys = varying
                self._lookup = lookup
                self._forms = forms
                for k in varying:
                    entries[k] = choice(forms[k])
                return
        entries[GRID_PARAM] = choice(list(range(len(self._parts))))

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
