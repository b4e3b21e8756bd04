"""Helpers shared by the benchmark scripts: a plain-text table, the JSON result file in
`benchmarks/results/` (with what machine made it), and the command that reproduces a run."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"


def silence_trial_logs() -> None:
    """No INFO line per finished trial, ours as the peers' (Optuna's are silenced where used):
    writing them costs tens of microseconds a trial, which is not what is measured."""
    import hyperloom.logging

    hyperloom.logging.set_verbosity(hyperloom.logging.WARNING)


silence_trial_logs()


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *,
                file: Any = None) -> None:
    """Print rows as an aligned text table (numbers right-aligned, text left-aligned)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    numeric = [all(_looks_numeric(r[i]) for r in cells[1:] if r[i]) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w)
                         for c, w, num in zip(row, widths, numeric)).rstrip()

    out = file or sys.stdout
    print(line(cells[0]), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in cells[1:]:
        print(line(row), file=out)


def _looks_numeric(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text[0] in "-+.") and text[-1] not in ":"


def library_versions(with_optuna: bool, *optional: str) -> dict[str, str]:
    """Versions of hyperloom, Optuna (when it is measured) and the `optional` packages that
    are installed, for the JSON result and the table's headers."""
    import importlib.util

    import hyperloom

    versions = {"hyperloom": hyperloom.__version__}
    for name in (("optuna",) if with_optuna else ()) + optional:
        if name == "optuna" or importlib.util.find_spec(name) is not None:
            versions[name] = getattr(__import__(name), "__version__", "?")
    return versions


def machine_info() -> dict[str, Any]:
    """What the numbers depend on: interpreter, platform, cores, load, code version."""
    info: dict[str, Any] = {
        "python": platform.python_version(), "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        info["git"] = head + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def write_json(name: str, data: dict[str, Any], out_dir: str | os.PathLike | None = None) -> Path:
    """Write `data` (plus machine info) to `<out_dir>/<name>.json`; returns the path."""
    folder = Path(out_dir) if out_dir is not None else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    payload = {"benchmark": name, "machine": machine_info(), **data}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    os.replace(tmp, path)
    return path


def reproduce_command(name: str, argv: Sequence[str]) -> str:
    """The command lines that rerun this benchmark with the same arguments."""
    args = " ".join(shlex.quote(a) for a in argv)
    tail = f" {args}" if args else ""
    return (f"reproduce: ./run bench {name}{tail}\n"
            f"       or: .venv/bin/python benchmarks/{name}.py{tail}")
