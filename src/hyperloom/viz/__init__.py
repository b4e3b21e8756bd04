"""See a study: plots (plotly or matplotlib), hyperparameter importance, a self-contained HTML
report and a live dashboard. Reads trials only, through `study.trials`.

Imported as `hyperloom.viz` (never by `import hyperloom`); plotly, matplotlib, scikit-learn
and starlette are imported where first used (`pip install 'hyperloom[viz]'`)."""

from ._branches import BranchData, branch_data
from ._dashboard import dashboard, dashboard_app
from ._data import (
    ContourData,
    EdfData,
    HistoryData,
    IntermediateData,
    ParallelData,
    ParetoData,
    SliceData,
    TimelineData,
    contour_data,
    edf_data,
    history_data,
    intermediate_data,
    parallel_data,
    pareto_data,
    slice_data,
    timeline_data,
)
from ._errors import PlotError
from ._groups import ParamGroups, param_groups
from ._importance import ImportanceData, importance_data, importances
from ._optional import MissingDependencyError
from ._plots import (
    plot_branches,
    plot_contour,
    plot_edf,
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_pareto_front,
    plot_slice,
    plot_sweep,
    plot_timeline,
)
from ._readonly import ReadOnlyStorage, open_read_only
from ._report import report, report_html
from ._sweep_view import SweepData, sweep_data
from ._table import ParamColumn, TrialTable, trial_table

__all__ = [
    "BranchData", "ContourData", "EdfData", "HistoryData", "ImportanceData", "IntermediateData",
    "MissingDependencyError", "ParallelData", "ParamColumn", "ParamGroups", "ParetoData",
    "PlotError", "ReadOnlyStorage", "SliceData", "SweepData", "TimelineData", "TrialTable",
    "branch_data", "contour_data", "dashboard", "dashboard_app", "edf_data", "history_data",
    "importance_data", "importances", "intermediate_data", "open_read_only", "parallel_data",
    "param_groups", "pareto_data", "plot_branches", "plot_contour", "plot_edf",
    "plot_intermediate_values", "plot_optimization_history", "plot_parallel_coordinate",
    "plot_param_importances", "plot_pareto_front", "plot_slice", "plot_sweep", "plot_timeline",
    "report", "report_html", "slice_data", "sweep_data", "timeline_data", "trial_table",
]
