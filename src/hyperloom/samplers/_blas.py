"""BLAS on one thread for the samplers' small matrix products."""

from __future__ import annotations

import contextlib
from typing import Any

_controller: Any = None  # a threadpoolctl controller, False without threadpoolctl


def one_blas_thread() -> contextlib.AbstractContextManager:
    """A multi-threaded BLAS spends far longer starting and synchronizing threads than
    computing our small products (TPE's candidates x kernels, a GP's hundreds of rows), and
    collapses on a loaded machine (measured: 0.1 ms with one thread, 4-30 ms with two on a
    busy 2-core host). threadpoolctl, when installed (it comes with scikit-learn), limits
    BLAS to one thread for the call; without it this does nothing."""
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        except Exception:  # noqa: BLE001 - optional: without it we run as numpy is set up
            _controller = False
    if _controller is False:
        return contextlib.nullcontext()
    return _controller.limit(limits=1, user_api="blas")
