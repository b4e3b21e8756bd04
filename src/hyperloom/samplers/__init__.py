"""Samplers: algorithms that propose hyperparameter values from the trials seen so far."""

from ._base import BaseSampler, SearchExhausted, StudyView, TrialLike, intersection_space
from ._grid import GridSampler
from ._qmc import QMCSampler
from ._random import RandomSampler

__all__ = ["BaseSampler", "GridSampler", "QMCSampler", "RandomSampler", "SearchExhausted",
           "StudyView", "TrialLike", "intersection_space"]
