"""How every sampler turns its `seed` into random numbers, one way for all: the stream named
by (seed, *stream) is `SeedSequence([seed, *stream])`, so that workers of a parallel run that
share a seed agree on a trial's draws without talking, and different streams (a generation,
a trial, a parameter) are independent."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from ..space import Distribution


def seed_or_fresh(seed: int | None, bits: int = 63) -> int:
    """`seed`, or fresh entropy (below 2**bits) for samplers whose proposals derive from
    (seed, trial number) and so need a seed even when the user gave none."""
    return seed if seed is not None else int(np.random.SeedSequence().entropy % 2**bits)


def seeded_rng(seed: int | np.random.Generator | None, *stream: int) -> np.random.Generator:
    """The random generator of `stream` under `seed`; without a stream, `seed`'s own (a
    Generator is used as it is, None draws fresh entropy)."""
    if not stream:
        return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if seed is None or isinstance(seed, np.random.Generator):
        raise TypeError("a stream of random numbers derives from an int seed; "
                        "use seed_or_fresh(seed) first")
    return np.random.default_rng([seed, *stream])


def derived_seed(seed: int, *stream: int) -> int:
    """An int seed for an inner sampler, derived from `seed` and `stream` as `seeded_rng`
    derives a generator (the first 32-bit word of the same SeedSequence)."""
    return int(np.random.SeedSequence([seed, *stream]).generate_state(1)[0])


def prior_draw(seed: int, trial_number: int, name: str, distribution: Distribution) -> Any:
    """An independent draw from the prior that depends only on (seed, trial, parameter), so
    workers of a parallel run agree on it and never repeat each other's."""
    key = zlib.crc32(name.encode("utf-8"))
    return distribution.sample(seeded_rng(seed, 3, trial_number, key))
