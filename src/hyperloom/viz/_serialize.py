"""Figures as compact JSON for the report and the dashboard. Numbers are rounded to what can
be seen: six significant digits, or a 100,000th of the array's span where that is finer (so
that times in milliseconds since 1970 keep their milliseconds); NaN becomes null (a gap).
A rounded number prints short (0.123457, not 0.12345678901234): an integer divided by a power
of ten is the double nearest that decimal, which Python prints as that decimal."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

from ._optional import require

SIGNIFICANT = 6


def round_array(a: np.ndarray) -> list[Any]:
    """`a` as a list, floats rounded (see the module's docstring), NaN and inf as None."""
    if a.dtype.kind in "iub":
        return a.tolist()
    if a.dtype.kind != "f":
        return [_plain(v) for v in a.tolist()]
    if a.ndim > 1:
        return [round_array(row) for row in a]
    a = a.astype(float, copy=False)
    finite = np.isfinite(a)
    out = a.copy()
    v = a[finite]
    if v.size:
        span = float(v.max() - v.min())
        by_span = 5 - np.floor(np.log10(span)) if span > 0 else -np.inf
        magnitude = np.floor(np.log10(np.where(v == 0, 1.0, np.abs(v))))
        k = np.maximum(SIGNIFICANT - 1 - magnitude, by_span)
        k = np.clip(k, -300, 15 - magnitude).astype(np.int64)  # x * 10^k stays exact
        up = k >= 0
        rounded = np.empty_like(v)
        scale = 10.0 ** k[up]
        rounded[up] = np.rint(v[up] * scale) / scale
        scale = 10.0 ** -k[~up]
        rounded[~up] = np.rint(v[~up] / scale) * scale
        out[finite] = rounded
    listed = out.tolist()
    for i in np.flatnonzero(~finite):
        listed[i] = None
    return listed


def _typed_array(value: dict[str, Any]) -> np.ndarray:
    """The array plotly encodes as {"dtype": "f8", "bdata": base64, "shape": "n, m"}."""
    a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    shape = value.get("shape")
    if shape:
        a = a.reshape([int(n) for n in str(shape).split(",")])
    return a


def _plain(value: Any) -> Any:
    """A JSON value for anything found in a figure's dict."""
    if isinstance(value, np.ndarray):
        return round_array(value)
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            return round_array(_typed_array(value))
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, float) for v in value):
            return round_array(np.asarray(value, dtype=float))
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def figure_dict(fig: Any) -> dict[str, Any]:
    """A plotly figure as plain JSON values, rounded, without its template (shared once by
    the page that draws several figures: see `template_dict`)."""
    raw = fig.to_plotly_json()
    layout = dict(raw.get("layout", {}))
    layout.pop("template", None)
    return {"data": _plain(raw.get("data", [])), "layout": _plain(layout)}


def template_dict() -> dict[str, Any]:
    """plotly's default template (the figures' look), to be given once per page."""
    pio = require("plotly.io", "plotly figures")
    return _plain(pio.templates[pio.templates.default].to_plotly_json())


def script_json(value: Any) -> str:
    """JSON safe to put inside a <script> element: no "</" (a user's parameter named
    "</script>" cannot end the script) and no NaN."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")
