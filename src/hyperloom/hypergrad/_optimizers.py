"""Differentiable inner optimizers: pure functions ``(params, state, grads, hyperparameters) -> new``.

They never update in place, so ``torch.func`` can differentiate through a step with respect to
the parameters, the optimizer state and every hyperparameter-valued argument. An argument may be
a number, a constant tensor, a hyperparameter (the object, its tensor, or its key in ``hparams``)
or a :func:`schedule` of any of these (a vector indexed by the inner step).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

from ._hyperparameter import Hyperparameter, HyperSet
from ._torch import torch

Params = dict[str, torch.Tensor]
State = dict[str, dict[str, torch.Tensor]]


class Schedule:
    """Marks an optimizer argument as per-step: inner step ``t`` uses ``values[t]``, or
    ``values(hparams, t)`` when ``values`` is a function (a parametric, learnable schedule)."""

    def __init__(self, values: Any) -> None:
        if isinstance(values, Schedule):
            values = values.values
        if isinstance(values, (list, tuple)):
            values = torch.as_tensor(values, dtype=torch.get_default_dtype())
        if not isinstance(values, (torch.Tensor, Hyperparameter, str)) and not callable(values):
            raise TypeError(
                "schedule(values): values must be a 1-d tensor, a list of numbers, a hyperparameter, "
                "the key of one in hparams, or a function (hparams, t) -> value, got "
                f"{type(values).__name__}"
            )
        if isinstance(values, (torch.Tensor, Hyperparameter)) and len(values.shape) < 1:
            raise ValueError(
                "schedule(values): values must have one entry per inner step (a vector), "
                "got a scalar; pass the scalar directly instead of a schedule"
            )
        self.values = values

    @property
    def function(self) -> Any:
        """The schedule's function, or None for a vector of per-step values."""
        v = self.values
        return v if callable(v) and not isinstance(v, (torch.Tensor, Hyperparameter)) else None

    def __repr__(self) -> str:
        return f"schedule({self.values!r})"


def schedule(values: Any) -> Schedule:
    """A per-step optimizer argument: ``values[t]`` at inner step ``t`` (e.g. a vector
    hyperparameter of per-step learning rates), or ``values(hparams, t)`` for a function of the
    hyperparameters' current values, e.g. Hype's learnable exponential decay
    ``schedule(lambda h, t: h["lr0"] * h["decay"] ** t)``: its hypergradient reaches ``lr0``
    and ``decay`` through every step."""
    return Schedule(values)


def _safe_sqrt(x: torch.Tensor) -> torch.Tensor:
    """sqrt with derivative 0 instead of inf/nan at 0 (Adam's second moment starts at 0)."""
    positive = x > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, x, torch.ones_like(x))), 0.0)


def _is_zero(v: Any) -> bool:
    return isinstance(v, numbers.Number) and v == 0


class _Arg:
    """How one optimizer argument is obtained at a step: a constant, a key of ``hparams``, or a
    function ``(hparams, t)`` of the current hyperparameter values."""

    def __init__(self, name: str, const: Any = None, key: str | None = None, sched: bool = False,
                 fn: Any = None):
        self.name, self.const, self.key, self.sched, self.fn = name, const, key, sched, fn

    def at(self, hvals: Mapping[str, torch.Tensor], step: int, owner: str) -> Any:
        if self.fn is not None:
            return _call_schedule(self.fn, hvals, step, owner, self.name)
        v = hvals[self.key] if self.key is not None else self.const
        if not self.sched:
            return v
        if step >= v.shape[0]:
            raise ValueError(
                f"{owner}: the schedule for {self.name} has {v.shape[0]} entries but inner step "
                f"{step} was requested; give one entry per inner step (at least {step + 1})"
            )
        return v[step]


def _call_schedule(fn: Any, hvals: Mapping[str, torch.Tensor], step: int, owner: str,
                   name: str) -> Any:
    try:
        out = fn(hvals, step)
    except KeyError as exc:
        raise ValueError(
            f"{owner}({name}=schedule(function)): the function read hparams[{exc.args[0]!r}], "
            f"which is not in hparams (keys: {list(hvals)}); add that hyperparameter to hparams"
        ) from exc
    if isinstance(out, bool) or not isinstance(out, (numbers.Real, torch.Tensor)):
        raise TypeError(
            f"{owner}({name}=schedule(function)): the function must return a number or a tensor "
            f"for step {step}, got {type(out).__name__}"
        )
    return out


class InnerOptimizer:
    """Base of the differentiable inner optimizers."""

    #: names of the arguments that may be hyperparameters, in order
    hyper_args: tuple[str, ...] = ()

    def __init__(self, **args: Any) -> None:
        for name, v in args.items():
            _check_arg(type(self).__name__, name, v)
        self.args: dict[str, Any] = args

    # -- the pure update ------------------------------------------------------------------------
    def init(self, params: Params) -> State:
        """The initial optimizer state for ``params`` (zeros, so it carries no hypergradient)."""
        return {slot: {k: torch.zeros_like(p) for k, p in params.items()} for slot in self.slots()}

    def slots(self) -> tuple[str, ...]:
        """Names of the state slots, each a dict shaped like params (e.g. ``("momentum",)``)."""
        return ()

    def apply(
        self, params: Params, state: State, grads: Params, h: Mapping[str, Any], step: int
    ) -> tuple[Params, State]:
        """The update rule: ``h`` maps each argument to its value at ``step`` (hyperparameters
        resolved). Subclasses override this (and :meth:`slots`), or see :func:`inner_optimizer`."""
        raise NotImplementedError(
            f"{type(self).__name__} does not define apply(params, state, grads, h, step); "
            "write one, or build the optimizer with hypergrad.inner_optimizer(rule, ...)"
        )

    def update(
        self,
        params: Params,
        state: State,
        grads: Params,
        hparams: Mapping[str, Any] | None = None,
        step: int = 0,
    ) -> tuple[Params, State]:
        """One inner step as a pure function; returns ``(new_params, new_state)``.

        Hyperparameter-valued arguments are read from ``hparams`` (current values keyed like the
        ``hparams`` dict) when they name a key, else from the hyperparameter object itself.
        """
        h: dict[str, Any] = {}
        for name, spec in self.args.items():
            sched = isinstance(spec, Schedule)
            if sched and spec.function is not None:
                h[name] = _call_schedule(spec.function, dict(hparams or {}), step,
                                         type(self).__name__, name)
                continue
            v = spec.values if sched else spec
            if isinstance(v, str):
                if hparams is None or v not in hparams:
                    raise ValueError(
                        f"{type(self).__name__}({name}={v!r}) names a hyperparameter that is not in "
                        "hparams; pass hparams={...} holding that key"
                    )
                v = hparams[v]
            elif isinstance(v, Hyperparameter):
                v = v.value()
            h[name] = _Arg(name, const=v, sched=sched).at({}, step, type(self).__name__)
        return self.apply(params, state, grads, h, step)

    def bind(self, hset: HyperSet, params: Params, keep_graph: bool = False) -> BoundOptimizer:
        """Resolve each argument against ``hparams`` once, and check shapes against ``params``.

        Constant tensors are detached unless ``keep_graph`` (``hypergradient(create_graph=True)``).
        """
        owner = type(self).__name__
        specs: dict[str, _Arg] = {}
        for name, spec in self.args.items():
            sched = isinstance(spec, Schedule)
            if sched and spec.function is not None:
                specs[name] = _Arg(name, fn=spec.function)
                continue
            v = spec.values if sched else spec
            if isinstance(v, str):
                if v not in hset.keys:
                    raise ValueError(
                        f"{owner}({name}={v!r}): no hyperparameter {v!r} in hparams "
                        f"(keys: {list(hset.keys)})"
                    )
                specs[name] = _Arg(name, key=v, sched=sched)
                continue
            key = hset.key_of(v)
            if key is not None:
                specs[name] = _Arg(name, key=key, sched=sched)
            elif isinstance(v, Hyperparameter):
                raise ValueError(
                    f"{owner}({name}=...) got a hyperparameter that is not in hparams; add it to "
                    "hparams so that its hypergradient is computed (or pass a plain number)"
                )
            elif isinstance(v, torch.Tensor):
                specs[name] = _Arg(name, const=v if keep_graph else v.detach(), sched=sched)
            else:
                specs[name] = _Arg(name, const=v, sched=sched)
        bound = BoundOptimizer(self, specs)
        bound.check_shapes(hset, params)
        return bound

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={_short(v)}" for k, v in self.args.items())
        return f"{type(self).__name__}({args})"


def _short(v: Any) -> str:
    if isinstance(v, torch.Tensor):
        return f"tensor{tuple(v.shape)}"
    if isinstance(v, Hyperparameter):
        return f"hyperparameter({v.name or tuple(v.shape)})"
    return repr(v)


def _check_arg(owner: str, name: str, v: Any) -> None:
    if isinstance(v, Schedule) and v.function is not None:
        return
    inner = v.values if isinstance(v, Schedule) else v
    if isinstance(inner, bool) or not isinstance(
        inner, (numbers.Real, torch.Tensor, Hyperparameter, str)
    ):
        hint = " (for a per-step value use hypergrad.schedule([...]))" if isinstance(
            inner, (list, tuple)
        ) else ""
        raise TypeError(
            f"{owner}({name}=...) must be a number, a tensor, a hyperparameter, the key of one in "
            f"hparams, or a schedule, got {type(inner).__name__}{hint}"
        )
    if isinstance(inner, numbers.Real):
        if name == "lr" and inner <= 0:
            raise ValueError(f"{owner}(lr={inner}): the learning rate must be > 0")
        if name in ("momentum", "beta1", "beta2", "alpha") and not 0 <= inner < 1:
            raise ValueError(f"{owner}({name}={inner}) must be in [0, 1)")
        if name == "eps" and inner <= 0:
            raise ValueError(f"{owner}(eps={inner}) must be > 0")
        if name == "weight_decay" and inner < 0:
            raise ValueError(f"{owner}(weight_decay={inner}) must be >= 0")


class BoundOptimizer:
    """An inner optimizer whose arguments are resolved against one ``hparams`` dict."""

    def __init__(self, optimizer: InnerOptimizer, specs: dict[str, _Arg]) -> None:
        self.optimizer = optimizer
        self.specs = specs
        self.owner = type(optimizer).__name__

    def init(self, params: Params) -> State:
        return self.optimizer.init(params)

    def step(
        self,
        params: Params,
        state: State,
        grads: Params,
        hvals: Mapping[str, torch.Tensor],
        step: int,
    ) -> tuple[Params, State]:
        h = {name: a.at(hvals, step, self.owner) for name, a in self.specs.items()}
        return self.optimizer.apply(params, state, grads, h, step)

    def constant(self, name: str) -> Any:
        """The argument's value when it is a constant scalar, else None."""
        a = self.specs.get(name)
        if a is None or a.key is not None or a.sched or a.fn is not None:
            return None
        if isinstance(a.const, torch.Tensor):
            return float(a.const) if a.const.numel() == 1 else None
        return a.const

    def check_shapes(self, hset: HyperSet, params: Params) -> None:
        for name, a in self.specs.items():
            if a.fn is not None:
                with torch.no_grad():
                    out = a.at(hset.values(hset.raw()), 0, self.owner)
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else ()
                what = "the schedule function's value"
            elif a.key is not None:
                shape = tuple(hset.leaves[a.key].shape)
                what = f"hyperparameter {a.key!r}"
            elif isinstance(a.const, torch.Tensor):
                shape = tuple(a.const.shape)
                what = "tensor"
            else:
                continue
            if a.sched:
                if len(shape) < 1:
                    raise ValueError(f"{self.owner}({name}=schedule(...)): {what} must be a vector")
                shape = shape[1:]
            for pname, p in params.items():
                try:
                    ok = torch.broadcast_shapes(shape, tuple(p.shape)) == tuple(p.shape)
                except RuntimeError:
                    ok = False
                if not ok:
                    hint = (
                        f"; for a per-step value wrap it: {self.owner}({name}=hypergrad.schedule(...))"
                        if len(shape) == 1 and not a.sched and a.fn is None
                        else ""
                    )
                    raise ValueError(
                        f"{self.owner}({name}=...): {what} of shape {shape} does not broadcast to "
                        f"parameter {pname!r} of shape {tuple(p.shape)}; use a scalar{hint}"
                    )


class SGD(InnerOptimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum and weight decay (PyTorch's rule)."""

    hyper_args = ("lr", "momentum", "weight_decay")

    def __init__(
        self, lr: Any, momentum: Any = 0, nesterov: bool = False, weight_decay: Any = 0
    ) -> None:
        super().__init__(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and _is_zero(momentum):
            raise ValueError("SGD(nesterov=True) needs momentum > 0")
        self.nesterov = bool(nesterov)

    def slots(self) -> tuple[str, ...]:
        return () if _is_zero(self.args["momentum"]) else ("momentum",)

    def apply(self, params, state, grads, h, step):  # type: ignore[override]
        lr, mom, wd = h["lr"], h["momentum"], h["weight_decay"]
        use_mom = "momentum" in self.slots()
        new_p: Params = {}
        new_buf: Params = {}
        for k, p in params.items():
            g = grads[k]
            if not _is_zero(wd):
                g = g + wd * p
            if use_mom:
                buf = mom * state["momentum"][k] + g
                new_buf[k] = buf
                g = g + mom * buf if self.nesterov else buf
            new_p[k] = p - lr * g
        return new_p, ({"momentum": new_buf} if use_mom else {})


class Adam(InnerOptimizer):
    """Adam with bias correction and L2 weight decay (PyTorch's ``torch.optim.Adam`` rule)."""

    hyper_args = ("lr", "beta1", "beta2", "eps", "weight_decay")

    def __init__(
        self,
        lr: Any = 1e-3,
        betas: tuple[Any, Any] = (0.9, 0.999),
        eps: Any = 1e-8,
        weight_decay: Any = 0,
    ) -> None:
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam(betas=...) must be a pair (beta1, beta2), got {betas!r}")
        super().__init__(
            lr=lr, beta1=betas[0], beta2=betas[1], eps=eps, weight_decay=weight_decay
        )

    def slots(self) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq")

    def apply(self, params, state, grads, h, step):  # type: ignore[override]
        lr, b1, b2, eps, wd = h["lr"], h["beta1"], h["beta2"], h["eps"], h["weight_decay"]
        c1 = 1 - b1 ** (step + 1)
        c2 = 1 - b2 ** (step + 1)
        new_p: Params = {}
        m_new: Params = {}
        v_new: Params = {}
        for k, p in params.items():
            g = grads[k]
            if not _is_zero(wd):
                g = g + wd * p
            m = b1 * state["exp_avg"][k] + (1 - b1) * g
            v = b2 * state["exp_avg_sq"][k] + (1 - b2) * g * g
            m_new[k], v_new[k] = m, v
            new_p[k] = p - lr * (m / c1) / (_safe_sqrt(v / c2) + eps)
        return new_p, {"exp_avg": m_new, "exp_avg_sq": v_new}


class RMSProp(InnerOptimizer):
    """RMSProp (PyTorch's non-centered ``torch.optim.RMSprop`` rule) with optional momentum."""

    hyper_args = ("lr", "alpha", "eps", "momentum", "weight_decay")

    def __init__(
        self,
        lr: Any = 1e-2,
        alpha: Any = 0.99,
        eps: Any = 1e-8,
        momentum: Any = 0,
        weight_decay: Any = 0,
    ) -> None:
        super().__init__(lr=lr, alpha=alpha, eps=eps, momentum=momentum, weight_decay=weight_decay)

    def slots(self) -> tuple[str, ...]:
        return ("square_avg",) if _is_zero(self.args["momentum"]) else ("square_avg", "momentum")

    def apply(self, params, state, grads, h, step):  # type: ignore[override]
        lr, a, eps, mom, wd = h["lr"], h["alpha"], h["eps"], h["momentum"], h["weight_decay"]
        use_mom = "momentum" in self.slots()
        new_p: Params = {}
        sq_new: Params = {}
        buf_new: Params = {}
        for k, p in params.items():
            g = grads[k]
            if not _is_zero(wd):
                g = g + wd * p
            sq = a * state["square_avg"][k] + (1 - a) * g * g
            sq_new[k] = sq
            d = g / (_safe_sqrt(sq) + eps)
            if use_mom:
                d = mom * state["momentum"][k] + d
                buf_new[k] = d
            new_p[k] = p - lr * d
        out: State = {"square_avg": sq_new}
        if use_mom:
            out["momentum"] = buf_new
        return new_p, out


class _Rule(InnerOptimizer):
    """An inner optimizer from a user's update function (see :func:`inner_optimizer`)."""

    def __init__(self, rule: Any, slots: tuple[str, ...], name: str, **args: Any) -> None:
        super().__init__(**args)
        self.rule, self._slot_names, self.name = rule, slots, name

    def slots(self) -> tuple[str, ...]:
        return self._slot_names

    def apply(self, params, state, grads, h, step):  # type: ignore[override]
        out = self.rule(params, state, grads, h, step)
        if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], Mapping)
                and isinstance(out[1], Mapping)):
            raise TypeError(
                f"{self.name}: the rule must return (new_params, new_state), two dicts, got "
                f"{type(out).__name__}"
            )
        new_p, new_s = out
        if set(new_p) != set(params) or set(new_s) != set(self._slot_names):
            raise ValueError(
                f"{self.name}: the rule returned params {sorted(new_p)} and state slots "
                f"{sorted(new_s)}; expected params {sorted(params)} and slots "
                f"{sorted(self._slot_names)} (declare every slot with slots=(...))"
            )
        return dict(new_p), dict(new_s)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={_short(v)}" for k, v in self.args.items())
        return f"{self.name}({args})"


def inner_optimizer(
    rule: Any, *, slots: tuple[str, ...] | list[str] = (), name: str | None = None, **args: Any
) -> InnerOptimizer:
    """An inner optimizer (or any inner dynamics) from its update rule, as a pure function.

    ``rule(params, state, grads, h, t) -> (new_params, new_state)``: ``params`` and ``grads``
    are dicts of tensors, ``state`` maps each name in ``slots`` to a dict shaped like params
    (zeros at the start), ``h`` maps each keyword argument to its value at step ``t``. An
    argument may be anything an ``SGD`` argument may be (a number, a tensor, a hyperparameter,
    its key, a :func:`schedule`), so its hypergradient flows through the rule. The rule must not
    change tensors in place; it may draw random numbers (recomputed steps replay them). Example,
    SGD with a learnable per-layer learning rate::

        sgd = hg.inner_optimizer(lambda p, s, g, h, t: ({k: p[k] - h["lr"] * g[k] for k in p}, {}),
                                 lr=hparams["lr"])
    """
    if not callable(rule):
        raise TypeError(f"inner_optimizer(rule=...) must be a function, got {type(rule).__name__}")
    slots = tuple(slots)
    if not all(isinstance(x, str) for x in slots):
        raise TypeError(f"inner_optimizer(slots=...) must be names (strings), got {slots!r}")
    return _Rule(rule, slots, name or getattr(rule, "__name__", "inner_optimizer"), **args)
