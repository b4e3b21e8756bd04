"""Peak bytes of tensor storage allocated by torch while a block runs (CPU and CUDA alike).

``tracemalloc`` does not see torch's allocations, and RSS is blurred by the allocator, so this
meter watches every aten op below autograd and ``torch.func`` (a ``TorchDispatchMode``), counts
each new output storage once, and subtracts it when the last tensor on it is freed. It sees
tensors saved for backward, optimizer states and trajectories kept in Python lists alike.
Tensors that existed before the block are not counted. On CUDA prefer
``torch.cuda.max_memory_allocated``, which it agrees with up to allocator rounding.
"""

from __future__ import annotations

import weakref
from typing import Any

from ._torch import torch

try:  # the public home of the mode varies across torch versions
    from torch.utils._python_dispatch import TorchDispatchMode
except ImportError:  # pragma: no cover
    TorchDispatchMode = object  # type: ignore[assignment,misc]


def _flatten(x: Any) -> list[Any]:
    if isinstance(x, (list, tuple)):
        return [y for item in x for y in _flatten(item)]
    if isinstance(x, dict):
        return [y for item in x.values() for y in _flatten(item)]
    return [x]


def _base(t: torch.Tensor) -> torch.Tensor:
    functorch = getattr(torch._C, "_functorch", None)
    while functorch is not None and functorch.is_functorch_wrapped_tensor(t):
        t = functorch.get_unwrapped(t)
    return t


class PeakMemory(TorchDispatchMode):  # type: ignore[misc]
    """``with PeakMemory() as m: ...`` then ``m.peak`` (bytes above the start) and ``m.current``."""

    def __init__(self) -> None:
        super().__init__()
        self._refs: dict[tuple[str, int], int] = {}
        self._size: dict[tuple[str, int], int] = {}
        self._seen_before: set[tuple[str, int]] = set()
        self.current = 0
        self.peak = 0

    def _release(self, key: tuple[str, int]) -> None:
        self._refs[key] -= 1
        if self._refs[key] == 0:
            del self._refs[key]
            self.current -= self._size.pop(key)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        kwargs = kwargs or {}
        inputs = {
            self._key(t) for t in _flatten((args, kwargs)) if isinstance(t, torch.Tensor)
        }
        out = func(*args, **kwargs)
        for t in _flatten(out):
            if not isinstance(t, torch.Tensor):
                continue
            key = self._key(t)
            if key is None or (key in inputs and key not in self._refs):
                continue  # no storage, or an in-place/view result on a tensor made before
            if key not in self._refs:
                self._refs[key] = 0
                self._size[key] = _base(t).untyped_storage().nbytes()
                self.current += self._size[key]
                self.peak = max(self.peak, self.current)
            self._refs[key] += 1
            weakref.finalize(t, self._release, key)
        return out

    @staticmethod
    def _key(t: torch.Tensor) -> tuple[str, int] | None:
        base = _base(t)
        try:
            ptr = base.untyped_storage().data_ptr()
        except (RuntimeError, NotImplementedError):
            return None  # e.g. efficient zero tensors: no storage
        if ptr == 0:
            return None
        return (str(base.device), ptr)
