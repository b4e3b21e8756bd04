"""See a study: plots (plotly or matplotlib), hyperparameter importance, a self-contained HTML
report and a live dashboard. Reads trials only, through `study.trials`.

Imported as `hyperloom.viz` (never by `import hyperloom`); plotly, matplotlib, scikit-learn
and starlette are imported where first used (`pip install 'hyperloom[viz]'`)."""

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
from ._importance import ImportanceData, importance_data, importances
from ._optional import MissingDependencyError
from ._plots import (
    plot_contour,
    plot_edf,
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_pareto_front,
    plot_slice,
    plot_timeline,
)
from ._readonly import ReadOnlyStorage, open_read_only
from ._report import report, report_html
from ._table import ParamColumn, TrialTable, trial_table

__all__ = [
    "ContourData", "EdfData", "HistoryData", "ImportanceData", "IntermediateData",
    "MissingDependencyError", "ParallelData", "ParamColumn", "ParetoData", "PlotError",
    "ReadOnlyStorage", "SliceData", "TimelineData", "TrialTable", "contour_data",
    "dashboard", "dashboard_app", "edf_data", "history_data",
    "importance_data", "importances", "intermediate_data", "parallel_data", "pareto_data",
    "plot_contour", "plot_edf", "plot_intermediate_values", "plot_optimization_history",
    "plot_parallel_coordinate", "plot_param_importances", "plot_pareto_front", "plot_slice",
    "open_read_only", "plot_timeline", "report", "report_html", "slice_data", "timeline_data", "trial_table",
]
