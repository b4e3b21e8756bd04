"""The one place that imports PyTorch, so that a missing extra fails with the install command."""

from __future__ import annotations

try:
    import torch
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "hyperloom.hypergrad needs PyTorch, which is not installed: pip install hyperloom[torch]"
    ) from exc

__all__ = ["torch"]
