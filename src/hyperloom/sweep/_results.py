"""The table `hyperloom run` prints at the end: results grouped by each swept parameter (the
grouping is `hyperloom.viz.param_groups`, which the sweep view of the report draws too)."""

from __future__ import annotations

from typing import Any


def _shown(text: str) -> str:
    return text if len(text) <= 24 else text[:21] + "..."


def results_table(study: Any) -> list[str]:
    """Lines of a table: for each parameter with several values among the complete trials,
    each value with its number of complete trials, mean and best (first objective)."""
    from ..viz import param_groups

    rows: dict[str, list[tuple[str, int, float, float]]] = {}
    for g in param_groups(study):
        done = [(_shown(label), int(n), float(m), float(b)) for label, n, m, b in
                zip(g.labels, g.n_complete, g.mean, g.best) if n]
        if len(done) > 1:
            rows[g.name] = done
    if not rows:
        return []
    width = max(len("parameter"), *(len(n) for n in rows))
    vwidth = max(len("value"), *(len(r[0]) for by_value in rows.values() for r in by_value))
    lines = [f"{'parameter':{width}}  {'value':{vwidth}}  {'trials':>6}  {'mean':>12}  "
             f"{'best':>12}"]
    for name, by_value in rows.items():
        for i, (value, n, mean, best) in enumerate(by_value):
            label = name if i == 0 else ""
            lines.append(f"{label:{width}}  {value:{vwidth}}  {n:>6}  {mean:>12.6g}  "
                         f"{best:>12.6g}")
    return lines
