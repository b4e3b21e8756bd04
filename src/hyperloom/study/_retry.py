"""`retry_failed`: a trial whose worker died (killed, out of memory, its machine gone, its
heartbeat stopped) runs again with the same params, as a new trial marked `retry_of`.

A trial is retried once whoever notices its death first (this coordinator, another one, a
`hyperloom worker`): the retry is claimed in the storage under the failed trial's id. A
chain of retries stops after `retry_failed` attempts (`retry_count` on each new trial)."""

from __future__ import annotations

import time

from ..storage import FrozenTrial, TrialState
from ._context import TrialContext

DEAD_REASON = "heartbeat stopped"


def died(trial: FrozenTrial) -> bool:
    """True when `trial` failed because its worker died, not because its objective raised."""
    return trial.state == TrialState.FAILED and (
        trial.system_attrs.get("fail_reason") == DEAD_REASON
        or bool(trial.system_attrs.get("worker_lost")))


def retry(ctx: TrialContext, failed: FrozenTrial) -> int | None:
    """Enqueue `failed` again (same params) unless its retries are used up or another
    process has done it; returns the new trial's number."""
    if ctx.retries is None or not died(failed):
        return None
    if failed.trial_id in ctx.retries.seen:
        return None
    ctx.retries.seen.add(failed.trial_id)
    count = int(failed.system_attrs.get("retry_count", 0))
    if count >= ctx.retries.limit or not ctx.view.claim(f"retry:{failed.trial_id}"):
        return None
    _id, number = ctx.storage.create_trial(
        ctx.study_id, state=TrialState.WAITING,
        system_attrs={"fixed_params": dict(failed.params), "retry_of": failed.number,
                      "retry_count": count + 1})
    return number


def retry_dead(ctx: TrialContext, every: float) -> list[int]:
    """Retry the trials failed as dead by anyone (looked for at most once per `every` s)."""
    retries = ctx.retries
    now = time.monotonic()
    if retries is None or now - retries.last_scan < every:
        return []
    retries.last_scan = now
    numbers = []
    for trial in ctx.storage.get_trials(ctx.study_id, (TrialState.FAILED,)):
        number = retry(ctx, trial)
        if number is not None:
            numbers.append(number)
    return numbers
