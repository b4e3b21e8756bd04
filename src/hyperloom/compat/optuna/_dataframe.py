"""`study.trials_dataframe()` with Optuna's columns: `value` (or `values_0`, ... / one per
metric name), `datetime_*` as datetimes, `duration` as a timedelta, `params_*`,
`user_attrs_*`, `system_attrs_*`, `state` with Optuna's names; `multi_index=True` keeps the
(attribute, key) pairs as a column MultiIndex."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

DEFAULT_ATTRS = ("number", "value", "datetime_start", "datetime_complete", "duration",
                 "params", "user_attrs", "system_attrs", "state")
_NESTED = ("params", "user_attrs", "system_attrs", "intermediate_values", "distributions")


def _cells(trial: Any, attr: str, n_objectives: int,
           names: list[str] | None) -> dict[tuple[str, Any], Any]:
    """The cells of one trial for one attribute, keyed by (column, key)."""
    column = attr.lstrip("_")
    if attr in ("value", "values"):
        values = trial.values or [None] * n_objectives
        if n_objectives == 1 and attr == "value":
            return {("value", names[0] if names else ""): values[0]}
        keys = names or range(n_objectives)
        return {("values", k): v for k, v in zip(keys, values)}
    value = getattr(trial, attr)
    if attr == "state":
        return {("state", ""): value.name}
    if attr in _NESTED:
        return {(column, k): v for k, v in value.items()}
    return {(column, ""): value}


def trials_dataframe(study: Any, attrs: Sequence[str], multi_index: bool) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("trials_dataframe needs pandas: pip install pandas") from None
    trials = study.get_trials()
    if not trials:
        return pd.DataFrame()
    n_objectives = len(study.directions)
    names = study.metric_names
    rows, columns = [], {}  # columns: (column, key) in order, attribute by attribute
    for trial in trials:
        row: dict[tuple[str, Any], Any] = {}
        for attr in attrs:
            row.update(_cells(trial, attr, n_objectives, names))
        rows.append(row)
    for attr in attrs:
        found = {key for row in rows for key in row if key[0] == attr.lstrip("_")
                 or (attr == "value" and key[0] == "values")}
        ordered = sorted(found, key=lambda k: str(k[1])) if not (
            attr in ("value", "values") and names) else [k for k in _name_order(found, names)]
        columns.update(dict.fromkeys(ordered))
    tuples = list(columns)
    frame = pd.DataFrame([[row.get(c) for c in tuples] for row in rows],
                         columns=pd.MultiIndex.from_tuples(tuples))
    if not multi_index:
        frame.columns = ["_".join(str(p) for p in c if p != "") for c in tuples]
    return frame


def _name_order(found: set, names: list[str]) -> list:
    return [k for name in names for k in found if k[1] == name]
