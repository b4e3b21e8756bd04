"""Hyperparameters as tensors; constraints are kept by reparametrization (exp, sigmoid).

A :class:`Hyperparameter` owns an unconstrained leaf tensor ``raw`` that outer optimizers update,
and maps it to the value the losses and inner optimizers see. Hypergradients are taken with
respect to ``raw``: for ``constraint="positive"`` that is the derivative w.r.t. the log value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._torch import torch

CONSTRAINTS = ("positive", "unit", None)


def _identity(x: torch.Tensor) -> torch.Tensor:
    return x


_TRANSFORMS: dict[str | None, Callable[[torch.Tensor], torch.Tensor]] = {
    None: _identity,
    "positive": torch.exp,
    "unit": torch.sigmoid,
}


class Hyperparameter:
    """A continuous hyperparameter: a leaf tensor ``raw`` and the constraint that maps it to a value.

    Build it with :func:`hyperparameter`. ``value()`` is differentiable w.r.t. ``raw``;
    ``parameters()`` gives ``[raw]`` for a ``torch.optim`` outer optimizer.
    """

    def __init__(self, raw: torch.Tensor, constraint: str | None, name: str | None) -> None:
        self.raw = raw
        self.constraint = constraint
        self.name = name

    @property
    def transform(self) -> Callable[[torch.Tensor], torch.Tensor]:
        return _TRANSFORMS[self.constraint]

    def value(self) -> torch.Tensor:
        """The constrained value (a differentiable function of ``raw``)."""
        return self.transform(self.raw)

    def detach(self) -> torch.Tensor:
        """The constrained value as a plain tensor without history."""
        with torch.no_grad():
            return self.transform(self.raw.detach())

    def parameters(self) -> list[torch.Tensor]:
        return [self.raw]

    @property
    def shape(self) -> torch.Size:
        return self.raw.shape

    def numel(self) -> int:
        return self.raw.numel()

    def item(self) -> float:
        return float(self.detach().item())

    def tolist(self) -> Any:
        return self.detach().cpu().tolist()

    def __float__(self) -> float:
        return self.item()

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return f"Hyperparameter({label}value={self.detach()!r}, constraint={self.constraint!r})"


def hyperparameter(
    init: Any,
    constraint: str | None = None,
    name: str | None = None,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> Hyperparameter:
    """Make a continuous hyperparameter of any shape with initial value ``init``.

    ``constraint="positive"`` keeps it > 0 (stored as its log), ``"unit"`` keeps it in (0, 1)
    (stored as its logit), ``None`` leaves it free.
    """
    if constraint not in CONSTRAINTS:
        raise ValueError(
            f"hyperparameter {name or ''!s}: unknown constraint={constraint!r}; "
            "use 'positive', 'unit' or None"
        )
    if isinstance(init, Hyperparameter):
        init = init.detach()
    if isinstance(init, torch.Tensor):
        value = init.detach().clone()
        if dtype is not None or device is not None:
            value = value.to(dtype=dtype or value.dtype, device=device or value.device)
    else:
        try:
            value = torch.as_tensor(init, dtype=dtype, device=device)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(
                f"hyperparameter {name or ''}: init must be a number, a sequence of numbers "
                f"or a tensor, got {type(init).__name__}"
            ) from exc
    if not value.is_floating_point():
        value = value.to(torch.get_default_dtype() if dtype is None else dtype)
    label = f"hyperparameter {name!r}" if name else "hyperparameter"
    if not torch.isfinite(value).all():
        raise ValueError(f"{label}: init must be finite, got {value}")
    if constraint == "positive":
        if not (value > 0).all():
            raise ValueError(f"{label}: constraint='positive' needs init > 0, got {value}")
        raw = torch.log(value)
    elif constraint == "unit":
        if not ((value > 0) & (value < 1)).all():
            raise ValueError(f"{label}: constraint='unit' needs 0 < init < 1, got {value}")
        raw = torch.logit(value)
    else:
        raw = value
    return Hyperparameter(raw.detach().clone().requires_grad_(True), constraint, name)


def parameters(hparams: Mapping[str, Any]) -> list[torch.Tensor]:
    """The leaf tensors to hand to a ``torch.optim`` outer optimizer (``raw`` of each hyperparameter).

    Plain tensors in ``hparams`` are returned as they are, with ``requires_grad`` switched on.
    """
    return HyperSet(hparams).leaf_list()


def values(hparams: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """The current constrained values of ``hparams`` as plain tensors."""
    hset = HyperSet(hparams)
    return {k: v.detach() for k, v in hset.values(hset.raw()).items()}


class HyperSet:
    """The normalized form of an ``hparams`` dict: the leaf tensor and transform of each key."""

    def __init__(self, hparams: Any, argument: str = "hparams") -> None:
        if not isinstance(hparams, Mapping):
            raise TypeError(
                f"{argument} must be a dict mapping names to tensors or hyperparameters, "
                f"got {type(hparams).__name__}"
            )
        if not hparams:
            raise ValueError(f"{argument} is empty: give at least one hyperparameter")
        self.keys: tuple[str, ...] = tuple(hparams)
        self.leaves: dict[str, torch.Tensor] = {}
        self.transforms: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {}
        self.objects: dict[str, Any] = dict(hparams)
        for key, h in hparams.items():
            if not isinstance(key, str):
                raise TypeError(f"{argument} keys must be strings, got {key!r}")
            if isinstance(h, Hyperparameter):
                self.leaves[key] = h.raw
                self.transforms[key] = h.transform
            elif isinstance(h, torch.Tensor):
                if not h.is_floating_point():
                    raise TypeError(
                        f"{argument}[{key!r}] must be a floating-point tensor, got dtype {h.dtype}; "
                        "use hypergrad.hyperparameter(...) or .double()/.float()"
                    )
                self.leaves[key] = h
                self.transforms[key] = _identity
            else:
                raise TypeError(
                    f"{argument}[{key!r}] must be a torch.Tensor or hypergrad.hyperparameter(...), "
                    f"got {type(h).__name__}"
                )
        self._ids = {id(obj): key for key, obj in self.objects.items()}
        self._ids.update({id(leaf): key for key, leaf in self.leaves.items()})

    def key_of(self, obj: Any) -> str | None:
        """The key under which ``obj`` (a hyperparameter or its tensor) sits, matched by identity."""
        return self._ids.get(id(obj))

    def raw(self) -> dict[str, torch.Tensor]:
        """Detached copies of the leaves: the point at which hypergradients are taken."""
        return {k: v.detach() for k, v in self.leaves.items()}

    def values(self, raw: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: self.transforms[k](raw[k]) for k in self.keys}

    def leaf_list(self) -> list[torch.Tensor]:
        out = []
        for key, leaf in self.leaves.items():
            if not leaf.is_leaf:
                raise ValueError(
                    f"hparams[{key!r}] is not a leaf tensor, so an optimizer cannot update it; "
                    "pass a leaf (e.g. tensor.detach().requires_grad_()) or hypergrad.hyperparameter(...)"
                )
            if not leaf.requires_grad:
                leaf.requires_grad_(True)
            out.append(leaf)
        return out

    def numel(self) -> int:
        return sum(v.numel() for v in self.leaves.values())

