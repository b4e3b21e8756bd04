"""Checks on what a sampler proposes, shared by the tests of several samplers."""

import hyperloom as hl
from hyperloom.space import Choice, Uniform


def share_of_written_off_choices(sampler: hl.samplers.BaseSampler, n_history: int,
                                 n_proposals: int) -> float:
    """After `n_history` trials in which choice "a" always beats "b" and "c", the share of
    `n_proposals` further proposals that pick "b" or "c" (each told FAILED, which leaves the
    model as it is)."""
    study = hl.create_study(sampler=sampler)
    dists = {"c": Choice(["a", "b", "c"]), "x": Uniform(0, 1)}
    for i in range(n_history):
        c, x = "abc"[i % 3], (i * 0.37) % 1
        study.enqueue_trial({"c": c, "x": x})
        study.tell(study.ask(dists), (x - 0.3) ** 2 + (0 if c == "a" else 1))
    others = 0
    for _ in range(n_proposals):
        trial = study.ask(dists)
        others += trial.params["c"] != "a"
        study.tell(trial, state=hl.TrialState.FAILED)
    return others / n_proposals
