"""Replaying random draws, so that a recomputed inner step sees the same dropout mask.

Methods that run a stretch of inner steps twice (checkpointed ``Reverse``, ``Forward`` over
several chunks of directions) capture the generator state where the stretch starts and run the
second pass inside :func:`replay`, which restores that state and, on exit, gives the generators
back the state they had before the replay, so the user's random stream continues as after one
run. Only torch's default generators are replayed (CPU and, once initialized, CUDA); a loss that
draws from its own ``torch.Generator`` or from NumPy must seed it from the step itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ._torch import torch


@dataclass(frozen=True)
class RngState:
    cpu: torch.Tensor
    cuda: tuple[torch.Tensor, ...]


def _cuda_devices() -> list[int]:
    return list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []


def capture() -> RngState:
    """The state of torch's default generators now."""
    cuda = tuple(torch.cuda.get_rng_state(d) for d in _cuda_devices())
    return RngState(torch.get_rng_state(), cuda)


@contextmanager
def replay(state: RngState) -> Iterator[None]:
    """Run the block with the generators set to ``state``; restore the current ones afterwards."""
    devices = _cuda_devices()[: len(state.cuda)]
    with torch.random.fork_rng(devices=devices):
        torch.set_rng_state(state.cpu)
        for d, s in zip(devices, state.cuda):
            torch.cuda.set_rng_state(s, d)
        yield
