"""Tools for testing hyperloom and code built on it: the contract every sampler keeps, as
checks a test suite runs against any sampler, and hypothesis strategies for random spaces.

Needs pytest and hypothesis (`pip install 'hyperloom[dev]'`); `import hyperloom` never loads it.
"""

from ._samplers import (
    MIXED_SPACE,
    SAMPLER_CHECKS,
    SamplerCase,
    check_conditional_space_visits_both_branches,
    check_define_by_run_proposals_are_points_of_random_spaces,
    check_enqueued_params_are_kept,
    check_failed_and_pruned_history,
    check_multi_objective,
    check_pickled_sampler_proposes_the_same,
    check_proposals_are_points_of_random_spaces,
    check_same_seed_same_proposals,
    check_seedless_sampler_proposes_points,
    parametrize_sampler_checks,
    suggest_all,
)
from ._spaces import distributions, search_spaces

__all__ = [
    "MIXED_SPACE", "SAMPLER_CHECKS", "SamplerCase",
    "check_conditional_space_visits_both_branches",
    "check_define_by_run_proposals_are_points_of_random_spaces",
    "check_enqueued_params_are_kept", "check_failed_and_pruned_history",
    "check_multi_objective", "check_pickled_sampler_proposes_the_same",
    "check_proposals_are_points_of_random_spaces", "check_same_seed_same_proposals",
    "check_seedless_sampler_proposes_points", "distributions", "parametrize_sampler_checks",
    "search_spaces", "suggest_all",
]
