"""What the report and the dashboard say about a study in words and tables: counts by state,
directions, the best trial (or the Pareto front), and the best trials' rows."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

from ._pareto import front_mask
from ._table import TrialTable

#: Rows of the best-trials table (for several objectives: of the Pareto front).
BEST_ROWS = 10
MAX_FRONT_ROWS = 50


def _iso(ts: float) -> str | None:
    if not np.isfinite(ts):
        return None
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).isoformat(timespec="seconds")


def _row(table: TrialTable, i: int) -> dict[str, Any]:
    t = table.trials[i]
    return {"number": int(t.number), "state": t.state.name,
            "values": None if t.values is None else [float(v) for v in t.values],
            "params": dict(t.params), "duration": t.duration, "feasible": t.feasible}


def _pool(table: TrialTable) -> np.ndarray:
    """Completed trials that compete for best: the feasible ones, if any."""
    rows = np.flatnonzero(table.complete_mask)
    feasible = table.violation[rows] <= 0
    return rows[feasible] if feasible.any() else rows


def _front(table: TrialTable) -> np.ndarray:
    pool = _pool(table)
    front = pool[front_mask(table.values[pool], table.directions)]
    return front[np.lexsort(table.values[front].T[::-1])]


def best_rows(table: TrialTable, limit: int = BEST_ROWS) -> list[dict[str, Any]]:
    """The best completed trials, best first (feasible ones first): for one objective the
    `limit` best, for several the Pareto front (at most `MAX_FRONT_ROWS`, along the first
    objective)."""
    if len(table.directions) == 1:
        pool = _pool(table)
        key = table.directions[0].sign * table.values[pool, 0]
        picked = pool[np.argsort(key, kind="stable")[:limit]]
    else:
        picked = _front(table)[:MAX_FRONT_ROWS]
    return [_row(table, int(i)) for i in picked]


def summary(table: TrialTable) -> dict[str, Any]:
    """The study in a few numbers: name, directions, counts by state, the best value(s),
    when it started and when its last trial finished."""
    counts = table.counts()
    out: dict[str, Any] = {
        "study": table.study_name, "directions": [d.value for d in table.directions],
        "n_trials": len(table), "counts": counts, "params": list(table.params),
        "started": _iso(np.nanmin(table.start)) if np.isfinite(table.start).any() else None,
        "last_complete": (_iso(np.nanmax(table.complete))
                          if np.isfinite(table.complete).any() else None),
    }
    if len(table.directions) == 1:
        best = best_rows(table, limit=1)
        out["best"] = best[0] if best else None
    else:
        out["pareto_front_size"] = len(_front(table))
    return out
