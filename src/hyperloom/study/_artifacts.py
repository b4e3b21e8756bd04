"""Files attached to trials, kept in a folder beside the database (never inside it)."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..storage import BaseStorage


class ArtifactStore:
    def __init__(self, storage: BaseStorage, study_name: str) -> None:
        self._storage = storage
        self._study_name = study_name
        self._tmp: str | None = None

    @property
    def root(self) -> str:
        base = self._storage.artifact_dir
        if base is None:
            if self._tmp is None:
                self._tmp = tempfile.mkdtemp(prefix="hyperloom-artifacts-")
            base = self._tmp
        return os.path.join(base, _safe(self._study_name))

    def upload(self, trial_id: int, number: int, known: list[str], path: str,
               name: str | None = None) -> tuple[str, list[str]]:
        """Copy `path` into trial `number`'s folder; returns the copy's path and the trial's
        artifact names (`known` and this one), which are also stored with the trial."""
        if not os.path.isfile(path):
            raise FileNotFoundError(f"upload_artifact: {path!r} is not a file")
        name = name or os.path.basename(path)
        if os.sep in name or name in ("", ".", ".."):
            raise ValueError(f"upload_artifact: artifact name {name!r} must be a plain file name")
        folder = os.path.join(self.root, str(number))
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, name)
        tmp = target + ".partial"
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)  # never leave a half-copied artifact under its real name
        names = sorted(set(known) | {name})
        self._storage.set_trial_attr(trial_id, "artifacts", names, system=True)
        return target, names

    def path(self, trial_number: int, name: str) -> str:
        target = os.path.join(self.root, str(trial_number), name)
        if not os.path.isfile(target):
            raise FileNotFoundError(f"trial {trial_number} has no artifact named {name!r}")
        return target


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
