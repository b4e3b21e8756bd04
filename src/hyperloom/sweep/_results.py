"""The table `hyperloom run` prints at the end: results grouped by each swept parameter."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 24 else text[:21] + "..."


def results_table(trials: Sequence[Any], maximize: bool = False) -> list[str]:
    """Lines of a table: for each parameter with several values among the complete trials,
    each value with its number of trials, mean and best (first objective)."""
    groups: dict[str, dict[str, list[float]]] = {}
    for t in trials:
        if t.values:
            for name, value in t.params.items():
                groups.setdefault(name, {}).setdefault(_shown(value), []).append(t.values[0])
    swept = {n: g for n, g in groups.items() if len(g) > 1}
    if not swept:
        return []
    pick = max if maximize else min
    width = max(len("parameter"), *(len(n) for n in swept))
    vwidth = max(len("value"), *(len(v) for g in swept.values() for v in g))
    lines = [f"{'parameter':{width}}  {'value':{vwidth}}  {'trials':>6}  {'mean':>12}  "
             f"{'best':>12}"]
    for name, by_value in swept.items():
        for i, (value, vals) in enumerate(by_value.items()):
            label = name if i == 0 else ""
            lines.append(f"{label:{width}}  {value:{vwidth}}  {len(vals):>6}  "
                         f"{sum(vals) / len(vals):>12.6g}  {pick(vals):>12.6g}")
    return lines
