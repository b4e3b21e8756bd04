"""Derivatives of the validation loss w.r.t. the training data itself (Hype): influence of each
example's weight, its features or its (regression) target, through (Reverse/Forward) or around
(Implicit) training, on one batch or on minibatches."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ._api import hypergradient
from ._implicit import Implicit
from ._optimizers import InnerOptimizer, Params
from ._torch import torch

WRT = ("weights", "features", "targets")
_POSITION = {"features": 0, "targets": 1}


def _takes_hparams(fn: Callable[..., Any]) -> bool:
    """True for ``f(params, hparams, batch)``; False for the older ``f(params, batch)``."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    positional = [p for p in sig.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 3 or any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values())


def _as_batches(train_data: Any) -> tuple[list[tuple[torch.Tensor, ...]], bool]:
    """The minibatches as tuples (features, targets, ...), and whether they were given as tuples."""
    def one(b: Any) -> tuple[tuple[torch.Tensor, ...], bool] | None:
        if isinstance(b, torch.Tensor):
            return (b,), False
        if isinstance(b, tuple) and b and isinstance(b[0], torch.Tensor):
            return b, True
        return None

    single = one(train_data)
    if single is not None:
        return [single[0]], single[1]
    if isinstance(train_data, list) and train_data:
        parts = [one(b) for b in train_data]
        if all(p is not None for p in parts):
            kinds = {p[1] for p in parts if p is not None}
            if len(kinds) == 1:
                return [p[0] for p in parts if p is not None], kinds.pop()
    raise TypeError(
        "influence(train_data=...) must be one batch (a tensor of features or a tuple "
        "(features, targets, ...)) or a list of such minibatches, all of the same kind, got "
        f"{type(train_data).__name__}"
    )


def influence(
    loss: Callable[..., torch.Tensor],
    outer_loss: Callable[..., torch.Tensor],
    params: Any,
    train_data: Any,
    val_data: Any,
    *,
    wrt: str = "weights",
    hparams: Mapping[str, torch.Tensor] | None = None,
    regularizer: Callable[[Params], torch.Tensor] | None = None,
    method: Any = None,
    inner_optimizer: InnerOptimizer | None = None,
) -> torch.Tensor:
    """d(validation loss)/d(each training example's weight, features or target), in one call.

    ``loss(params, hparams, batch)`` returns the per-example training losses (shape ``(n,)`` for
    a batch of n); the inner objective is ``mean(weights * loss) + regularizer(params)`` with
    all weights 1 (averaged over minibatches). ``outer_loss(params, hparams, batch)`` is the
    validation loss. Both take the signature of every other loss here; ``hparams`` are fixed
    values handed to them (the older ``loss(params, batch)`` form is accepted too).
    ``train_data`` is one batch, a tensor of features or a tuple ``(features, targets, ...)``,
    or a list of such minibatches (``Reverse``/``Forward`` cycle through them, ``Implicit``
    takes the mean loss over all of them). With the default ``Implicit()`` method ``params`` is
    the trained solution (influence functions); with ``Reverse``/``Forward`` it is the
    initialization and training runs with ``inner_optimizer``.

    Returns one value per training example, in the order of the minibatches: shape ``(N,)`` for
    ``wrt="weights"``, shaped like the stacked features or targets (``wrt="features"`` /
    ``"targets"``, floating point only). A positive entry means that up-weighting (or moving)
    that example raises the validation loss.
    """
    if wrt not in WRT:
        raise ValueError(f"influence(wrt={wrt!r}): use 'weights', 'features' or 'targets'")
    batches, as_tuple = _as_batches(train_data)
    if wrt == "targets" and not as_tuple or wrt == "targets" and len(batches[0]) < 2:
        raise TypeError("influence(wrt='targets') needs batches (features, targets, ...)")
    fixed = dict(hparams or {})
    loss_fn = loss if _takes_hparams(loss) else (lambda p, h, b: loss(p, b))
    outer_fn = outer_loss if _takes_hparams(outer_loss) else (lambda p, h, b: outer_loss(p, b))
    sizes = [b[0].shape[0] for b in batches]
    bounds = [(sum(sizes[:i]), sum(sizes[: i + 1])) for i in range(len(sizes))]
    first = batches[0][0]
    if wrt == "weights":
        hp = {"weights": torch.ones(sum(sizes), dtype=first.dtype, device=first.device)}
    else:
        pos = _POSITION[wrt]
        data = torch.cat([b[pos] for b in batches])
        if not data.is_floating_point():
            raise TypeError(f"influence(wrt={wrt!r}) needs floating-point {wrt}, got {data.dtype}")
        hp = {wrt: data.detach().clone()}

    def rebuilt(batch: tuple[torch.Tensor, ...], h: Mapping[str, torch.Tensor], lo: int,
                hi: int) -> Any:
        if wrt != "weights":
            batch = tuple(h[wrt][lo:hi] if i == _POSITION[wrt] else x for i, x in enumerate(batch))
        return batch if as_tuple else batch[0]

    def per_example(p: Params, h: Mapping[str, torch.Tensor], item: Any) -> torch.Tensor:
        lo, hi, batch = item
        out = loss_fn(p, fixed, rebuilt(batch, h, lo, hi))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (hi - lo,):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(
                f"influence: loss must return one loss per training example, shape "
                f"({hi - lo},), got {got}; do not reduce it (no .mean())"
            )
        return out

    def inner(p: Params, h: Mapping[str, torch.Tensor], item: Any) -> torch.Tensor:
        lo, hi, _ = item
        terms = per_example(p, h, item)
        if wrt == "weights":
            terms = h["weights"][lo:hi] * terms
        reg = regularizer(p) if regularizer is not None else 0.0
        return terms.mean() + reg

    def outer(p: Params, h: Mapping[str, torch.Tensor], batch: Any) -> torch.Tensor:
        return outer_fn(p, fixed, batch)

    items = [(lo, hi, b) for (lo, hi), b in zip(bounds, batches)]
    grads = hypergradient(
        inner, outer, params, hp, method=Implicit() if method is None else method,
        inner_optimizer=inner_optimizer, train_data=items[0] if len(items) == 1 else items,
        val_data=val_data,
    )
    return grads[wrt]
