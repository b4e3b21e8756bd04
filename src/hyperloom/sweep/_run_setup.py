"""What a run of a sweep file is set up with before its first child starts: the study's name
(free, or already this file's), the storage, and the grid's distributions."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ._config import Config

ATTR_FILE = "sweep_file"  # study attribute: the absolute path of the sweep file it belongs to


def study_name_for(file: str | os.PathLike, storage: Any) -> str:
    """The stem of the file, or with as many parent folders as needed to name a study that
    is free or already belongs to this file (`expA/sweep`, `expB/sweep`)."""
    from ..storage import StudyNotFoundError

    path = Path(file).resolve()
    parts = path.with_suffix("").parts
    for depth in range(1, len(parts)):
        name = "/".join(parts[-depth:])
        try:
            owner = storage.get_study_attrs(storage.get_study_id(name)).get(ATTR_FILE)
        except StudyNotFoundError:
            return name
        if owner in (None, str(path)):  # studies of older runs have no owner: resume them
            return name
    return str(path)


def grid_distributions(configs: list[Config]) -> dict[str, Any]:
    """For each swept key, a Choice of its values over the whole grid: the params of a grid
    run are recorded with a distribution that stays the same across its trials."""
    from ..space import Choice

    values: dict[str, dict[str, Any]] = {}
    for c in configs:
        for k, v in c.params.items():
            values.setdefault(k, {}).setdefault(json.dumps(v, sort_keys=True), v)
    out = {}
    for k, v in values.items():
        try:
            out[k] = Choice(list(v.values()))
        except ValueError:  # values a Choice cannot tell apart (1 and 1.0): not a param
            pass
    return out


def existing_storage(url: str | None) -> Any:
    """The storage at `url`, or None for a SQLite file that does not exist (not created)."""
    from ..storage import get_storage

    if url is not None and url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):].split("?", 1)[0]
        if path and path != ":memory:" and not os.path.exists(path):
            return None
    return get_storage(url)
