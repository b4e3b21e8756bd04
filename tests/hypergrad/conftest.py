"""Shared fixtures: one thread (the CI machine is small) and float64 for exact comparisons."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch  # hypergrad tests are marked `torch`; ./run test installs it


@pytest.fixture(autouse=True)
def _torch_setup():
    threads = torch.get_num_threads()
    dtype = torch.get_default_dtype()
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)
    torch.set_default_dtype(dtype)


def _rel_err(a, b) -> float:
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    return float((a - b).norm() / b.norm().clamp_min(1e-300))


@pytest.fixture
def rel() -> Callable[[object, object], float]:
    """Relative error ||a - b|| / ||b||."""
    return _rel_err
