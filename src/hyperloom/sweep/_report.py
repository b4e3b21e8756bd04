"""`report_result(value)`: how a process started by `hyperloom run` hands its objective value
back, and `parse_metric`: how the runner reads it (not to be confused with `trial.report`, a
define-by-run trial's intermediate value).

The runner sets `HYPERLOOM_RESULT_FILE` to a path of its own; `report_result` writes the value
there as JSON (atomically, so a crash mid-write leaves nothing half-read). Outside a run it
prints the value as the last line of stdout, which `--metric-from stdout` also reads.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence

RESULT_ENV = "HYPERLOOM_RESULT_FILE"
LOG_LINES_SHOWN = 5


def _check(value: float | Sequence[float]) -> float | list[float]:
    values = [value] if not isinstance(value, Sequence) or isinstance(value, str) else list(value)
    out = []
    for v in values:
        if isinstance(v, bool) or not hasattr(v, "__float__"):
            raise TypeError(f"report_result() takes a number or a list of numbers, got {v!r}")
        f = float(v)
        if math.isnan(f):
            raise ValueError("report_result() got NaN; report a number (or let the run fail)")
        out.append(f)
    return out[0] if not isinstance(value, Sequence) else out


def report_result(value: float | Sequence[float]) -> None:
    """Report this process's objective value (a number, or a list for several objectives)."""
    checked = _check(value)
    path = os.environ.get(RESULT_ENV)
    if not path:
        print(json.dumps(checked), flush=True)
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"value": checked}, fh)
    os.replace(tmp, path)


def parse_metric(text: str) -> float | list[float]:
    """A number, a JSON list of numbers, or a JSON object with a "value" (or one number)."""
    data = json.loads(text)
    if isinstance(data, dict):
        if "value" in data:
            data = data["value"]
        elif len(data) == 1:
            (data,) = data.values()
        else:
            raise ValueError(f"a JSON object needs a 'value' entry, got keys {sorted(data)}")
    if isinstance(data, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                      for v in data):
        return [float(v) for v in data]
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return float(data)
    raise ValueError(f"not a number: {text!r}")


def last_lines(text: str, n: int = LOG_LINES_SHOWN) -> list[str]:
    """The last `n` non-blank lines of a log."""
    return [line for line in text.splitlines() if line.strip()][-n:]
