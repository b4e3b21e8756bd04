"""Choice: one of a list of options, the distribution at which a search space branches.

Its module sits above the SearchSpace one, so that a Choice can hold nested spaces while
SearchSpace walks the tree only through the `Distribution` interface (`subspace(value)`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._distributions import NO_DEFAULT, Distribution, _hashable
from ._imports import decode_option, encode_option, live_option
from ._space import SearchSpace


class Choice(Distribution):
    """One of a list of options. Options may be JSON values, importable classes or functions
    (stored by import path, read back as inert `ImportRef`s), or nested `SearchSpace`s
    (conditional parameters).

    The stored value of a choice is the option itself for JSON values, the import path for
    classes and functions, and the option's label for nested spaces: the mapping key when the
    options are given as a dict, otherwise the option's index.
    """

    __slots__ = ("options", "labels", "_stored", "_index")
    kind = "choice"
    _fields = ("options",)
    numeric = False
    finite = True

    def __init__(self, options: Sequence[Any] | dict[str, Any], *,
                 default: Any = NO_DEFAULT) -> None:
        if isinstance(options, dict):
            labels = [str(k) for k in options]
            opts = list(options.values())
        elif isinstance(options, (str, bytes)) or not isinstance(options, Sequence):
            raise ValueError(f"Choice: `options` must be a list (or a dict of labelled options), "
                             f"got {options!r}")
        else:
            opts = list(options)
            labels = None
        if not opts:
            raise ValueError("Choice: `options` must not be empty; give at least one option")
        stored = []
        for i, opt in enumerate(opts):
            if isinstance(opt, dict) and not isinstance(opt, SearchSpace) and any(
                    isinstance(v, Distribution) or isinstance(v, SearchSpace) for v in opt.values()):
                opt = opts[i] = SearchSpace(opt)
            if isinstance(opt, SearchSpace):
                stored.append(labels[i] if labels is not None else i)
            elif labels is not None:
                stored.append(labels[i])
            else:
                stored.append(encode_option(opt, f"Choice option {i}"))
        try:
            index = {_hashable(s): i for i, s in enumerate(stored)}
        except TypeError:  # pragma: no cover - _hashable covers JSON values
            index = {}
        if len(index) != len(stored):
            raise ValueError(f"Choice: options must be distinct, got {stored!r}")
        self.options = tuple(opts)
        self.labels = labels
        self._stored = stored
        self._index = index
        self._set_default(default)

    def _accepts_default(self, value: Any) -> bool:
        """A stored value, or an option as user code gives it (a class, a label)."""
        return self.contains(value) or any(value is o or (type(value) is type(o) and value == o)
                                           for o in self.options)

    def __repr__(self) -> str:
        return f"Choice({list(self.options)!r})"

    def _key(self) -> tuple:
        return (tuple(_hashable(s) for s in self._stored),
                tuple(o.to_dict_key() if hasattr(o, "to_dict_key") else None for o in self.options))

    @property
    def has_subspaces(self) -> bool:
        return any(isinstance(o, SearchSpace) for o in self.options)

    def subspace(self, stored_value: Any) -> SearchSpace | None:
        """The nested SearchSpace selected by a stored value, or None."""
        opt = self.options[self.index(stored_value)]
        return opt if isinstance(opt, SearchSpace) else None

    def subspaces(self) -> tuple[SearchSpace, ...]:
        return tuple(o for o in self.options if isinstance(o, SearchSpace))

    def index(self, stored_value: Any) -> int:
        try:
            return self._index[_hashable(stored_value)]
        except (KeyError, TypeError):
            raise ValueError(f"{stored_value!r} is not an option of {self!r}") from None

    def contains(self, value: Any) -> bool:
        try:
            return _hashable(value) in self._index
        except TypeError:
            return False

    def sample(self, rng: np.random.Generator) -> Any:
        return self._stored[int(rng.integers(len(self._stored)))]

    def encode(self, value: Any) -> float:
        return float(self.index(value))

    def decode(self, u: float) -> Any:
        """Takes an option index (samplers treat choices as categorical, not ordered)."""
        return self._stored[min(len(self._stored) - 1, max(0, int(u)))]

    def values(self) -> list[Any]:
        return list(self._stored)

    def to_external(self, value: Any) -> Any:
        opt = self.options[self.index(value)]
        if isinstance(opt, SearchSpace):
            return value
        return live_option(opt)

    def to_dict(self) -> dict[str, Any]:
        opts = [o.to_dict() if isinstance(o, SearchSpace) else encode_option(o, "option")
                for o in self.options]
        out: dict[str, Any] = {"type": "choice", "options": opts}
        if self.labels is not None:
            out["labels"] = list(self.labels)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Choice:
        opts = [SearchSpace.from_dict(o) if isinstance(o, dict) and o.get("type") == "space"
                else decode_option(o) for o in data["options"]]
        labels = data.get("labels")
        return cls(dict(zip(labels, opts)) if labels is not None else opts)
