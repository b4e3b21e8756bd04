"""Gaussian-process Bayesian optimization (numpy and scipy only)."""

from ._sampler import GPSampler

__all__ = ["GPSampler"]
