"""Hybrid tuning: a study's sampler picks the discrete and structural hyperparameters of each
trial, and the trial tunes its continuous ones by hypergradient, then reports like any trial."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._api import HyperOptimizer
from ._errors import HypergradientError
from ._optimizers import InnerOptimizer
from ._problem import Loss
from ._reverse import Reverse
from ._torch import torch


@dataclass
class BilevelProblem:
    """Everything one trial needs to tune its continuous hyperparameters by hypergradient.

    ``outer_optimizer`` builds the ``torch.optim`` optimizer from the hyperparameter tensors
    (default Adam, lr 0.05); ``evaluate(params, hparams) -> float`` gives the trial's value
    (default: the outer loss after training at the final hyperparameters).
    """

    inner_loss: Loss
    outer_loss: Loss
    params: Any
    hparams: Mapping[str, Any]
    train_data: Any
    val_data: Any
    inner_optimizer: InnerOptimizer
    method: Any = field(default_factory=lambda: Reverse(steps=100))
    outer_optimizer: Callable[[list[torch.Tensor]], Any] | None = None
    evaluate: Callable[[dict[str, torch.Tensor], dict[str, torch.Tensor]], float] | None = None


def _default_outer(leaves: list[torch.Tensor]) -> torch.optim.Optimizer:
    return torch.optim.Adam(leaves, lr=0.05)


def objective(
    build: Callable[[Any], BilevelProblem], hyper_steps: int = 20
) -> Callable[[Any], float]:
    """An objective for ``study.optimize``: ``build(trial)`` suggests the discrete/structural
    hyperparameters and returns a :class:`BilevelProblem`; the continuous hyperparameters then
    take ``hyper_steps`` hypergradient steps, each reported with ``trial.report`` (so pruners
    work), and their final values are stored in the trial's user attribute ``"hypergrad"``.
    A trial whose inner run diverges (a non-finite hypergradient) returns NaN, so the study
    records it as failed and goes on; the error text is kept in ``"hypergrad"`` too.
    """
    if isinstance(hyper_steps, bool) or not isinstance(hyper_steps, int) or hyper_steps < 1:
        raise ValueError(f"objective(hyper_steps={hyper_steps!r}) must be an int >= 1")
    if not callable(build):
        raise TypeError("objective(build=...) must be a function trial -> hypergrad.BilevelProblem")

    def run_trial(trial: Any) -> float:
        from ..study import TrialPruned  # the study layer sits below; import it only when used

        problem = build(trial)
        if not isinstance(problem, BilevelProblem):
            raise TypeError(
                f"build(trial) must return a hypergrad.BilevelProblem, got {type(problem).__name__}"
            )
        hopt = HyperOptimizer(
            problem.method,
            problem.inner_optimizer,
            problem.outer_optimizer or _default_outer,
            inner_loss=problem.inner_loss,
            outer_loss=problem.outer_loss,
            params=problem.params,
            hparams=problem.hparams,
        )
        for step in range(hyper_steps):
            try:
                value = hopt.step(problem.train_data, problem.val_data)
            except HypergradientError as exc:  # a diverged inner run: this trial fails, the
                _record(trial, hopt, error=str(exc))  # study goes on (a NaN value fails it)
                return math.nan
            trial.report(value if math.isfinite(value) else float("inf"), step)
            if trial.should_prune():
                _record(trial, hopt)
                raise TrialPruned()
        if problem.evaluate is not None:
            final = float(problem.evaluate(hopt.params, hopt.hparams))
        else:
            final = hopt.evaluate(problem.train_data, problem.val_data)
        _record(trial, hopt)
        return final

    return run_trial


def _record(trial: Any, hopt: HyperOptimizer, error: str | None = None) -> None:
    record = {
        "hparams": {k: v.detach().cpu().tolist() for k, v in hopt.hparams.items()},
        "outer_loss": [v if math.isfinite(v) else None for v in hopt.history],
        "method": repr(hopt.method),
    }
    if error is not None:
        record["error"] = error
    trial.set_user_attr("hypergrad", record)


def tune(
    study: Any,
    build: Callable[[Any], BilevelProblem],
    n_trials: int | None = None,
    *,
    hyper_steps: int = 20,
    **optimize_kwargs: Any,
) -> Any:
    """Run ``study.optimize`` with :func:`objective` (``build``, ``hyper_steps``); returns the study."""
    if not hasattr(study, "optimize"):
        raise TypeError(
            "tune(study=...) needs a study from hyperloom.create_study(...), got "
            f"{type(study).__name__}"
        )
    study.optimize(objective(build, hyper_steps), n_trials=n_trials, **optimize_kwargs)
    return study
