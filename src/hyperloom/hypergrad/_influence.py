"""Derivatives of the validation loss w.r.t. the training data itself (Hype): influence of each
example's weight, or of its features, through (Reverse/Forward) or around (Implicit) training."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._api import hypergradient
from ._implicit import Implicit
from ._optimizers import InnerOptimizer, Params
from ._torch import torch

WRT = ("weights", "features")


def influence(
    loss: Callable[[Params, Any], torch.Tensor],
    outer_loss: Callable[[Params, Any], torch.Tensor],
    params: Any,
    train_data: Any,
    val_data: Any,
    *,
    wrt: str = "weights",
    regularizer: Callable[[Params], torch.Tensor] | None = None,
    method: Any = None,
    inner_optimizer: InnerOptimizer | None = None,
) -> torch.Tensor:
    """d(validation loss)/d(training example weight), or /d(training features), in one call.

    ``loss(params, batch)`` returns the per-example training losses (shape ``(n,)``); the inner
    objective is ``mean(weights * loss) + regularizer(params)`` with all weights 1.
    ``outer_loss(params, batch)`` is the validation loss. ``train_data`` is one batch whose first
    element (or itself, if a tensor) holds the features. With the default ``Implicit()`` method
    ``params`` is the trained solution (influence functions); with ``Reverse``/``Forward`` it is
    the initialization and training runs with ``inner_optimizer``. Returns a tensor of shape
    ``(n,)`` for ``wrt="weights"`` or shaped like the features for ``wrt="features"``: a negative
    entry means that up-weighting (or moving) that example lowers the validation loss.
    """
    if wrt not in WRT:
        raise ValueError(f"influence(wrt={wrt!r}): use 'weights' or 'features'")
    if isinstance(train_data, torch.Tensor):
        features, rest, as_tuple = train_data, (), False
    elif isinstance(train_data, (tuple, list)) and train_data and isinstance(
        train_data[0], torch.Tensor
    ):
        features, rest, as_tuple = train_data[0], tuple(train_data[1:]), True
    else:
        raise TypeError(
            "influence(train_data=...) must be one batch: a tensor of features or a tuple "
            f"(features, targets, ...), got {type(train_data).__name__}"
        )
    if not features.is_floating_point() and wrt == "features":
        raise TypeError("influence(wrt='features') needs floating-point features")
    n = features.shape[0]
    method = Implicit() if method is None else method

    def batch_with(x: torch.Tensor) -> Any:
        return (x, *rest) if as_tuple else x

    def per_example(p: Params, x: torch.Tensor) -> torch.Tensor:
        out = loss(p, batch_with(x))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (n,):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(
                f"influence: loss must return one loss per training example, shape ({n},), got "
                f"{got}; do not reduce it (no .mean())"
            )
        return out

    def reg(p: Params) -> torch.Tensor | float:
        return regularizer(p) if regularizer is not None else 0.0

    def outer(p: Params, h: Mapping[str, torch.Tensor], batch: Any) -> torch.Tensor:
        return outer_loss(p, batch)

    if wrt == "weights":
        hp = {"weights": torch.ones(n, dtype=features.dtype, device=features.device)}

        def inner(p: Params, h: Mapping[str, torch.Tensor], batch: Any) -> torch.Tensor:
            return (h["weights"] * per_example(p, features)).mean() + reg(p)
    else:
        hp = {"features": features.detach().clone()}

        def inner(p: Params, h: Mapping[str, torch.Tensor], batch: Any) -> torch.Tensor:
            return per_example(p, h["features"]).mean() + reg(p)

    grads = hypergradient(
        inner, outer, params, hp, method=method, inner_optimizer=inner_optimizer,
        train_data=None, val_data=val_data,
    )
    return grads[wrt]
