"""The bilevel problem in normalized form: the inner step map, its initial point and the losses.

Every method works on the same inner step ``(params, state, hparams, batch, t) -> (params,
state)``, run one of two ways: ``step`` with ``torch.func.grad``, for the methods that transform
it with ``jvp``/``vmap`` (Forward, RTHO, vectorized episodes), and ``graph_step``/``fast_step``
with ``torch.autograd``, recorded or not, for every loop that needs neither (Reverse, TRHO,
training, Implicit), where it costs what a hand-written training step costs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ._hyperparameter import Hyperparameter, HyperSet
from ._optimizers import BoundOptimizer, InnerOptimizer, Params, State
from ._torch import torch

Loss = Callable[[Params, Mapping[str, torch.Tensor], Any], torch.Tensor]


def module_params(module: Any) -> dict[str, torch.Tensor]:
    """A detached copy of an ``nn.Module``'s parameters, for losses written with ``functional_call``."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module_params needs a torch.nn.Module, got {type(module).__name__}")
    return {k: p.detach().clone() for k, p in module.named_parameters()}


def _is_single_batch(data: Any) -> bool:
    return data is None or isinstance(data, (torch.Tensor, tuple, Mapping, str, bytes)) or not (
        isinstance(data, Iterable)
    )


class Batches:
    """Training data for the inner steps: one batch reused every step, or batches cycled in order.

    A tensor, tuple or dict is one batch; a list (or any other iterable, e.g. a DataLoader) is a
    sequence of batches. Batches are remembered so that a recomputed step sees the same data.
    """

    def __init__(self, data: Any, argument: str = "train_data") -> None:
        self.argument = argument
        self.single = _is_single_batch(data)
        self.data = data
        self._cache: list[Any] = []
        self._iter: Iterator[Any] | None = None
        self._exhausted = False
        if isinstance(data, list):
            if not data:
                raise ValueError(f"{argument} is an empty list: give a batch or a list of batches")
            if all(isinstance(b, torch.Tensor) for b in data):
                shapes = {tuple(b.shape) for b in data}
                if len(shapes) > 1:
                    raise ValueError(
                        f"{argument} is a list, read as a sequence of batches, but its tensors have "
                        f"different shapes {sorted(shapes)}; pass one batch as a tuple, e.g. (X, y)"
                    )
            self._cache = list(data)
            self._exhausted = True
        elif not self.single:
            self._iter = iter(data)

    def get(self, t: int) -> Any:
        if self.single:
            return self.data
        while not self._exhausted and len(self._cache) <= t:
            assert self._iter is not None
            try:
                self._cache.append(next(self._iter))
            except StopIteration:
                self._exhausted = True
        if not self._cache:
            if iter(self.data) is self.data:  # a generator or iterator: it can be read once
                raise ValueError(
                    f"{self.argument} is an exhausted one-shot iterator (a generator that an "
                    "earlier call, e.g. the previous HyperOptimizer.step, already read to the end); "
                    "pass a list of batches, a DataLoader (which can be iterated again) or a new "
                    "generator at every call"
                )
            raise ValueError(f"{self.argument} yielded no batch: give at least one batch")
        return self._cache[t % len(self._cache)]

    def finite(self, method: str) -> list[Any]:
        """All batches of a finite data set (for the full inner objective of implicit methods)."""
        if self.single:
            return [self.data]
        if isinstance(self.data, list):
            return list(self.data)
        if iter(self.data) is self.data:
            raise ValueError(
                f"{method} needs the whole inner objective: pass {self.argument} as one batch or "
                "a list of batches, not a one-shot iterator"
            )
        return list(self.data)


def _scalar(out: Any, name: str) -> torch.Tensor:
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"{name} must return a scalar torch.Tensor, got {type(out).__name__}")
    if out.dim() != 0:
        raise ValueError(
            f"{name} must return a scalar (0-d) tensor, got shape {tuple(out.shape)}; "
            "reduce it, e.g. with .mean()"
        )
    return out


class Problem:
    """A bilevel problem: inner/outer losses, initial params, hyperparameters and inner optimizer."""

    def __init__(
        self,
        inner_loss: Loss,
        outer_loss: Loss,
        params: Any,
        hparams: Any,
        inner_optimizer: InnerOptimizer | None,
        keep_graph: bool = False,
    ) -> None:
        if not callable(inner_loss):
            raise TypeError("inner_loss must be a function f(params, hparams, batch) -> scalar")
        if not callable(outer_loss):
            raise TypeError("outer_loss must be a function f(params, hparams, batch) -> scalar")
        if inner_optimizer is not None and not isinstance(inner_optimizer, InnerOptimizer):
            raise TypeError(
                "inner_optimizer must be hypergrad.SGD(...), Adam(...) or RMSProp(...), got "
                f"{type(inner_optimizer).__name__} (torch.optim optimizers update in place and "
                "cannot be differentiated through)"
            )
        self.inner_loss = inner_loss
        self.outer_loss = outer_loss
        #: keep the history of constant tensors (params, optimizer arguments) for create_graph
        self.keep_graph = keep_graph
        self.hset = HyperSet(hparams)
        self.module = params if isinstance(params, torch.nn.Module) else None
        self.init_spec = self._init_spec(params)
        self.params0 = self.init(self.hset.raw())
        self.optimizer: BoundOptimizer | None = (
            inner_optimizer.bind(self.hset, self.params0, keep_graph=keep_graph)
            if inner_optimizer is not None else None
        )

    def _init_spec(self, params: Any) -> dict[str, tuple[str, Any]]:
        if isinstance(params, torch.nn.Module):
            params = module_params(params)
        if not isinstance(params, Mapping):
            raise TypeError(
                "params must be a dict mapping names to tensors (or an nn.Module), got "
                f"{type(params).__name__}; e.g. params={{'w': torch.zeros(3)}}"
            )
        if not params:
            raise ValueError("params is empty: give the inner parameters as a dict of tensors")
        spec: dict[str, tuple[str, Any]] = {}
        for name, p in params.items():
            if not isinstance(name, str):
                raise TypeError(f"params keys must be strings, got {name!r}")
            key = self.hset.key_of(p)
            if key is not None:  # an initialization hyperparameter
                spec[name] = ("key", key)
            elif isinstance(p, Hyperparameter):
                raise ValueError(
                    f"params[{name!r}] is a hyperparameter that is not in hparams; add it to "
                    "hparams to learn the initialization"
                )
            elif isinstance(p, torch.Tensor):
                if not p.is_floating_point():
                    raise TypeError(f"params[{name!r}] must be a floating-point tensor, got {p.dtype}")
                spec[name] = ("const", p if self.keep_graph else p.detach())
            else:
                raise TypeError(f"params[{name!r}] must be a torch.Tensor, got {type(p).__name__}")
        return spec

    # -- pieces ---------------------------------------------------------------------------------
    def values(self, hraw: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return self.hset.values(hraw)

    def init(self, hraw: Mapping[str, torch.Tensor]) -> Params:
        """The initial inner parameters (a function of ``hraw`` when they are hyperparameters)."""
        vals = self.values(hraw) if self.init_depends_on_hparams else {}
        return {
            name: (vals[v] if kind == "key" else v) for name, (kind, v) in self.init_spec.items()
        }

    @property
    def init_depends_on_hparams(self) -> bool:
        return any(kind == "key" for kind, _ in self.init_spec.values())

    def require_optimizer(self, method: str) -> BoundOptimizer:
        if self.optimizer is None:
            raise ValueError(f"{method} needs inner_optimizer=hypergrad.SGD(lr=...) (or Adam, RMSProp)")
        return self.optimizer

    def inner(self, params: Params, hraw: Mapping[str, torch.Tensor], batch: Any) -> torch.Tensor:
        return _scalar(self.inner_loss(params, self.values(hraw), batch), "inner_loss")

    def outer(self, params: Params, hraw: Mapping[str, torch.Tensor], batch: Any) -> torch.Tensor:
        return _scalar(self.outer_loss(params, self.values(hraw), batch), "outer_loss")

    def inner_grad(self, params: Params, hraw: Mapping[str, torch.Tensor], batch: Any) -> Params:
        return torch.func.grad(self.inner)(params, hraw, batch)

    def step(
        self,
        params: Params,
        state: State,
        hraw: Mapping[str, torch.Tensor],
        batch: Any,
        t: int,
    ) -> tuple[Params, State]:
        """One inner optimizer step: the map every method differentiates."""
        opt = self.optimizer
        assert opt is not None
        g = self.inner_grad(params, hraw, batch)
        return opt.step(params, state, g, self.values(hraw), t)

    def outer_grad(
        self, params: Params, hraw: Mapping[str, torch.Tensor], batch: Any
    ) -> tuple[Params, dict[str, torch.Tensor], torch.Tensor]:
        """Partial derivatives of the outer loss w.r.t. params and raw hparams, and its value."""
        with torch.enable_grad():
            p = {k: v.detach().requires_grad_(True) for k, v in params.items()}
            h = {k: v.detach().requires_grad_(True) for k, v in hraw.items()}
            value = self.outer_at(p, self.values(h), batch)
            inputs = [*p.values(), *h.values()]
            if value.requires_grad:
                g = torch.autograd.grad(value, inputs, materialize_grads=True)
            else:
                g = tuple(torch.zeros_like(x) for x in inputs)
        return dict(zip(p, g[: len(p)])), dict(zip(h, g[len(p):])), value.detach()

    def buffers(self) -> dict[str, torch.Tensor]:
        """A copy of the module's buffers (BatchNorm's running statistics), when params is one."""
        if self.module is None:
            return {}
        return {k: b.detach().clone() for k, b in self.module.named_buffers()}

    def restore_buffers(self, saved: Mapping[str, torch.Tensor]) -> None:
        """Undo what recomputed inner steps did to the module's buffers."""
        if self.module is None:
            return
        named = dict(self.module.named_buffers())
        with torch.no_grad():
            for k, v in saved.items():
                named[k].copy_(v)

    # -- the torch.autograd path: hot loops that need neither vmap nor jvp -----------------------
    def inner_at(self, params: Params, hvals: Mapping[str, torch.Tensor], batch: Any) -> torch.Tensor:
        """The inner loss at constrained values ``hvals``."""
        return _scalar(self.inner_loss(params, hvals, batch), "inner_loss")

    def outer_at(self, params: Params, hvals: Mapping[str, torch.Tensor], batch: Any) -> torch.Tensor:
        """The outer loss at constrained values ``hvals`` (computed once per run, not per step)."""
        return _scalar(self.outer_loss(params, hvals, batch), "outer_loss")

    def autograd_grad(
        self, params: Params, hvals: Mapping[str, torch.Tensor], batch: Any, create_graph: bool
    ) -> Params:
        """The inner gradient by ``torch.autograd.grad``; ``params`` must require grad.

        ``torch.func.grad`` costs about twice as much per call on small models (1.5 ms against
        0.8 ms for a step of a 64-256-10 MLP), so every loop that needs no vmap/jvp uses this.
        """
        loss = _scalar(self.inner_loss(params, hvals, batch), "inner_loss")
        keys = list(params)
        if not loss.requires_grad:  # the loss does not depend on params at all
            return {k: torch.zeros_like(params[k]) for k in keys}
        grads = torch.autograd.grad(
            loss, [params[k] for k in keys], create_graph=create_graph, materialize_grads=True
        )
        return dict(zip(keys, grads))

    def fast_step(
        self, params: Params, state: State, hvals: Mapping[str, torch.Tensor], batch: Any, t: int
    ) -> tuple[Params, State]:
        """One inner step that records nothing (training, warm starts, checkpointed passes)."""
        opt = self.optimizer
        assert opt is not None
        with torch.enable_grad():
            p = {k: v.detach().requires_grad_(True) for k, v in params.items()}
            g = self.autograd_grad(p, hvals, batch, create_graph=False)
        with torch.no_grad():
            return opt.step(params, state, g, hvals, t)

    def graph_step(
        self, params: Params, state: State, hvals: Mapping[str, torch.Tensor], batch: Any, t: int
    ) -> tuple[Params, State]:
        """One inner step recorded by autograd (``create_graph=True``) so it can be reversed."""
        opt = self.optimizer
        assert opt is not None
        g = self.autograd_grad(params, hvals, batch, create_graph=True)
        return opt.step(params, state, g, hvals, t)

    def train(
        self,
        params: Params,
        state: State,
        hraw: Mapping[str, torch.Tensor],
        batches: Batches,
        n_steps: int,
        t0: int = 0,
        b0: int = 0,
    ) -> tuple[Params, State]:
        """``n_steps`` inner steps without recording anything (for warm starts and Implicit)."""
        if n_steps == 0:
            return params, state
        with torch.no_grad():
            hvals = self.values({k: v.detach() for k, v in hraw.items()})
        for i in range(n_steps):
            params, state = self.fast_step(params, state, hvals, batches.get(b0 + i), t0 + i)
        return params, state
