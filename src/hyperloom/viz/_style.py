"""Colours shared by both backends, so that a PNG and an interactive figure read alike."""

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf")
STATE_COLORS = {"COMPLETE": "#1f77b4", "PRUNED": "#ff7f0e", "FAILED": "#d62728",
                "RUNNING": "#2ca02c", "WAITING": "#7f7f7f"}
