"""Asking: a new trial, from the queue of enqueued ones or proposed by the sampler."""

from __future__ import annotations

from ..space import Distribution
from ._context import TrialContext
from ._heartbeat import default_grace
from ._retry import retry_dead
from ._trial import Trial


def ask_trial(ctx: TrialContext,
              fixed_distributions: dict[str, Distribution] | None = None) -> Trial:
    """Start a trial: enqueued params first, else what the sampler claims. With a static
    space (or `fixed_distributions`) its params are sampled now."""
    beating = ctx.heartbeat is not None
    if beating:
        fail_stale(ctx)
    waiting = ctx.storage.pop_waiting_trial(ctx.study_id, beating=beating)
    if waiting is not None:
        trial = Trial(ctx, waiting.trial_id, waiting.number,
                      waiting.system_attrs.get("fixed_params", {}))
        for key, value in waiting.system_attrs.get("enqueued_user_attrs", {}).items():
            trial.set_user_attr(key, value)
    else:
        fixed = ctx.sampler.claim_params(ctx.view)
        system = {"fixed_params": fixed} if fixed else None
        trial_id, number = ctx.storage.create_trial(ctx.study_id, system_attrs=system,
                                                    beating=beating)
        trial = Trial(ctx, trial_id, number, fixed)
    ctx.running.add(trial, ctx.heartbeat)
    if ctx.view.space is not None:
        trial._suggest_space(ctx.view.space)
    for name, dist in (fixed_distributions or {}).items():
        trial.suggest(name, dist)
    return trial


def fail_stale(ctx: TrialContext) -> list[int]:
    """Fail the RUNNING trials whose worker stopped beating for the grace period (and, with
    `retry_failed`, enqueue again the trials anyone failed so)."""
    grace = ctx.heartbeat.grace or default_grace(ctx.heartbeat.interval)
    failed = ctx.storage.fail_stale_trials(ctx.study_id, grace)
    if ctx.retries is not None:
        retry_dead(ctx, every=0.0 if failed else ctx.heartbeat.interval)
    return failed
