"""`optuna.importance`: hyperparameter importance, computed by `hyperloom.viz` (the plots
part of hyperloom). Without it, a clear error says what to install."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ._viz import ours_study, require_viz


class _Evaluator:
    method = ""

    def __init__(self, **options: Any) -> None:
        self.options = options


class FanovaImportanceEvaluator(_Evaluator):
    """fANOVA: a random forest's variance decomposition (the default)."""

    method = "fanova"


class MeanDecreaseImpurityImportanceEvaluator(_Evaluator):
    method = "mean_decrease_impurity"


class PedAnovaImportanceEvaluator(_Evaluator):
    method = "ped_anova"


def get_param_importances(study: Any, *, evaluator: _Evaluator | None = None,
                          params: list[str] | None = None,
                          target: Callable[[Any], float] | None = None,
                          normalize: bool = True) -> dict[str, float]:
    """Importance of each parameter, most important first (summing to 1 with `normalize`)."""
    viz = require_viz("optuna.importance.get_param_importances")
    compute = viz.importances
    accepted = inspect.signature(compute).parameters
    wanted = {"method": (evaluator or FanovaImportanceEvaluator()).method, "params": params,
              "target": target, **(evaluator.options if evaluator else {})}
    kwargs = {k: v for k, v in wanted.items() if k in accepted and v is not None}
    result = _as_dict(compute(ours_study(study), **kwargs))
    if params is not None:
        result = {k: v for k, v in result.items() if k in params}
    total = sum(result.values())
    if normalize and total > 0:
        result = {k: v / total for k, v in result.items()}
    return dict(sorted(result.items(), key=lambda kv: -kv[1]))


def _as_dict(result: Any) -> dict[str, float]:
    """{name: importance} from what viz returns: a mapping, rows of (name, value), rows with
    `name`/`param` and `importance` attributes or columns (a pandas DataFrame)."""
    if isinstance(result, Mapping):
        return {str(k): float(v) for k, v in result.items()}
    if hasattr(result, "to_dict") and hasattr(result, "columns"):  # a DataFrame
        result = result.to_dict("records")
    out = {}
    for row in result:
        if isinstance(row, Mapping):
            name = row.get("param", row.get("name", row.get("parameter")))
            out[str(name)] = float(row["importance"])
        elif isinstance(row, (tuple, list)):
            out[str(row[0])] = float(row[1])
        else:
            name = getattr(row, "param", getattr(row, "name", None))
            out[str(name)] = float(row.importance)
    return out


__all__ = ["FanovaImportanceEvaluator", "MeanDecreaseImpurityImportanceEvaluator",
           "PedAnovaImportanceEvaluator", "get_param_importances"]
