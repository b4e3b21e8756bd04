"""Hyperband: brackets from the trial number alone, in Hyperband's proportions, each bracket a
successive halving of its own."""

from __future__ import annotations

from collections import Counter

import hyperloom as hl
from hyperloom import TrialState
from hyperloom.pruners import HyperbandPruner


def test_brackets_follow_hyperbands_budgets_in_every_round_of_trial_numbers():
    pruner = HyperbandPruner(min_resource=1, max_resource=100, reduction_factor=3)
    # floor(log3(100)) + 1 = 5 brackets; n_i = ceil(5 * 3**s / (s + 1)), s = 4 - i.
    budgets = [81, 34, 15, 8, 5]
    for start in (0, 143, 1430):
        counts = Counter(pruner.bracket_of(n, 100) for n in range(start, start + 143))
        assert [counts[b] for b in range(5)] == budgets


def test_the_bracket_of_a_trial_depends_on_its_number_only():
    a = HyperbandPruner(max_resource=27)
    b = HyperbandPruner(max_resource=27)
    first = [a.bracket_of(n, 27) for n in range(200)]
    assert first == [b.bracket_of(n, 27) for n in range(200)]
    # spread over the round, not in blocks: every bracket appears within any 17 numbers
    assert all(len(set(first[i:i + 17])) == 4 for i in range(0, 180))


def run_trial(study: hl.Study, value: float, steps: int) -> int:
    """Report `value` at every step; the number of steps run before a prune (or all)."""
    trial = study.ask()
    for step in range(steps):
        trial.report(value, step)
        if trial.should_prune():
            study.tell(trial, state=TrialState.PRUNED)
            return step + 1
    study.tell(trial, value)
    return steps


def test_a_trial_is_judged_only_at_its_brackets_rungs_and_only_against_its_bracket():
    pruner = HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)
    # 3 brackets: first rungs at steps 1, 3 and 9; budgets 9, 5, 3 per round of 17 numbers.
    study = hl.create_study(pruner=pruner)
    brackets = [pruner.bracket_of(n, 9) for n in range(40)]
    steps_run = {}
    for number in range(40):
        # Each trial is worse than every trial before it: at its first rung it is pruned
        # exactly when an earlier trial of its own bracket has reached that rung.
        steps_run[number] = run_trial(study, float(number), 12)
    first_rung = {0: 1, 1: 3, 2: 9}
    for number, bracket in enumerate(brackets):
        earlier_same = [n for n in range(number) if brackets[n] == bracket]
        if earlier_same:
            assert steps_run[number] == first_rung[bracket] + 1, (number, bracket)
        else:
            assert steps_run[number] == 12, (number, bracket)


def test_max_resource_auto_waits_for_the_first_completed_trial():
    study = hl.create_study(pruner=HyperbandPruner(min_resource=1, reduction_factor=3))
    assert run_trial(study, 1.0, 9) == 9  # nothing completed: nothing is judged
    # last step 8 -> max_resource 9 -> brackets as with max_resource=9
    steps = [run_trial(study, 2.0 + n, 9) for n in range(30)]
    assert sum(steps) < 0.6 * 30 * 9


def test_on_a_real_study_hyperband_prunes_the_bad_trials():
    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=1),
                            pruner=HyperbandPruner(min_resource=1, max_resource=27))

    def objective(trial: hl.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        for step in range(27):
            trial.report(x + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise hl.TrialPruned()
        return x

    study.optimize(objective, n_trials=80)
    pruned = study.get_trials([TrialState.PRUNED])
    assert len(pruned) > 20
    assert study.best_value < sorted(t.params["x"] for t in pruned)[len(pruned) // 10]
