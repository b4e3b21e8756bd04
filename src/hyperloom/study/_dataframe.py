"""trials_dataframe(): one row per trial, for pandas users."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def trial_rows(study: Any) -> list[dict[str, Any]]:
    """Flat records: number, state, value(s), times, params_*, user_attrs_*."""
    rows = []
    multi = len(study.directions) > 1
    for t in study.trials:
        row: dict[str, Any] = {"number": t.number, "state": t.state.name}
        if multi:
            for i in range(len(study.directions)):
                row[f"values_{i}"] = t.values[i] if t.values else None
        else:
            row["value"] = t.values[0] if t.values else None
        row["datetime_start"] = t.started_at
        row["datetime_complete"] = t.completed_at
        row["duration"] = t.duration
        for k, v in t.params.items():
            row[f"params_{k}"] = v
        for k, v in t.user_attrs.items():
            row[f"user_attrs_{k}"] = v
        rows.append(row)
    return rows


def trials_dataframe(study: Any, attrs: Sequence[str] | None = None) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("trials_dataframe needs pandas: pip install pandas "
                          "(or pip install 'hyperloom[sklearn]')") from None
    df = pd.DataFrame(trial_rows(study))
    if attrs is not None:
        keep = [c for c in df.columns if any(c == a or c.startswith(f"{a}_") for a in attrs)]
        df = df[keep]
    return df
