"""Sweep files: a Gin-compatible language for grids, unions, tables and distributions.

`expand(path)` gives the configs of a `.hyp` file in order, `to_search_space(path)` the search
space of a file with distributions, and `Config.to_gin()` the Gin text of one config.
`hyperloom sweep` and `hyperloom run` are the command-line side (see docs/sweep.md); a process
that `hyperloom run` starts hands its value back with `report_result(value)`.
lark and gin are imported on first use, so importing this package stays cheap.
"""

import warnings

from ._config import Config
from ._errors import SweepError, SweepSyntaxError
from ._report import report_result
from ._space import GRID_PARAM, SweepSpace
from ._sweep import Sweep, expand, iter_configs, parse_config, parse_config_file, to_search_space

__all__ = ["GRID_PARAM", "Config", "Sweep", "SweepError", "SweepSpace", "SweepSyntaxError",
           "expand", "iter_configs", "parse_config", "parse_config_file",
           "report_result", "run_command", "run_sweep", "sweep_command", "to_search_space"]


def __getattr__(name: str):
    if name == "report":
        warnings.warn("hyperloom.sweep.report is deprecated and will be removed in the next "
                      "release; use hyperloom.sweep.report_result", DeprecationWarning,
                      stacklevel=2)
        return report_result
    # The runner and the click commands import more (subprocess machinery, click, the study);
    # load them only when asked for.
    if name == "run_sweep":
        from ._runner import run_sweep

        return run_sweep
    if name in ("sweep_command", "run_command"):
        from . import _cli

        return getattr(_cli, name)
    raise AttributeError(f"module 'hyperloom.sweep' has no attribute {name!r}")
