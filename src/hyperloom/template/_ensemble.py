"""Voting ensembles of the best models a `minimize` run kept."""

from collections.abc import Sequence
from typing import Any

import numpy as np


class Ensemble:
    """Predicts with several fitted models: `voting="hard"` takes the weighted majority of
    their `predict` labels (a tie goes to the label of the better model, the first one),
    `voting="soft"` averages their `predict_proba` with `weights` and takes the argmax."""

    def __init__(self, models: Sequence[Any], voting: str = "hard",
                 weights: Sequence[float] | None = None) -> None:
        if voting not in ("hard", "soft"):
            raise ValueError(f"Ensemble: voting={voting!r} is unknown; give 'hard' or 'soft'")
        if not models:
            raise ValueError("Ensemble: no models to vote; run minimize with at least one "
                             "successful trial that returns a 'model'")
        if weights is not None and len(weights) != len(models):
            raise ValueError(f"Ensemble: {len(weights)} weights for {len(models)} models; "
                             "give one weight per model")
        self.models = list(models)
        self.voting = voting
        self.weights = np.ones(len(models)) if weights is None else np.asarray(weights, float)

    def predict(self, X: Any) -> np.ndarray:
        """One label per row of `X`."""
        if self.voting == "soft":
            proba = self.predict_proba(X)
            return np.asarray(self._classes(proba.shape[1]))[proba.argmax(axis=1)]
        votes = [np.asarray(m.predict(X)).ravel() for m in self.models]
        return np.array([self._majority([v[i] for v in votes]) for i in range(len(votes[0]))])

    def predict_proba(self, X: Any) -> np.ndarray:
        """The weighted average of the models' class probabilities."""
        probas = np.stack([np.asarray(m.predict_proba(X), float) for m in self.models])
        return np.tensordot(self.weights, probas, axes=1) / self.weights.sum()

    def _majority(self, labels: list[Any]) -> Any:
        tally: dict[Any, float] = {}
        for label, weight in zip(labels, self.weights):
            tally[label] = tally.get(label, 0.0) + weight
        return max(tally, key=tally.__getitem__)  # first-seen wins a tie: the better model

    def _classes(self, n: int) -> list[Any]:
        classes = getattr(self.models[0], "classes_", None)
        return list(classes) if classes is not None else list(range(n))
