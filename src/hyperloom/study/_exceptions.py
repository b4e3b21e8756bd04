"""Exceptions users raise or catch around objectives."""


class TrialPruned(Exception):
    """Raise inside an objective to stop the trial early (it is recorded as PRUNED)."""
