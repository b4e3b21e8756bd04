"""`sampler_by_name`: a sampler of this package from its short name, the one lookup behind
the front ends' `algo="tpe"` and `hyperloom run --sampler tpe`."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from ._base import BaseSampler

# Short name (the class name in lower case without "Sampler") -> (module, class). The
# modules load on first use: the model-based ones need scipy and friends.
_CLASSES = {"auto": ("._auto", "AutoSampler"), "cmaes": ("._cmaes", "CmaEsSampler"),
            "genetic": ("._genetic", "GeneticSampler"), "gp": ("._gp", "GPSampler"),
            "grid": ("._grid", "GridSampler"), "nsgaii": ("._nsga2", "NSGAIISampler"),
            "qmc": ("._qmc", "QMCSampler"), "random": ("._random", "RandomSampler"),
            "tpe": ("._tpe", "TPESampler")}
# Other names users know these by -> (short name, the options they imply).
_ALIASES = {"cma": ("cmaes", {}), "nsga2": ("nsgaii", {}),
            "sobol": ("qmc", {"qmc_type": "sobol"}), "halton": ("qmc", {"qmc_type": "halton"})}


def sampler_by_name(name: str | BaseSampler, *, seed: int | None = None, space: Any = None,
                    **options: Any) -> BaseSampler:
    """The sampler called `name` ("tpe", "TPESampler", "nsga-ii", "sobol", ...: case, "-",
    "_" and a "Sampler" suffix do not matter), built with `seed` and `options`; "grid" walks
    `space`. A sampler object is returned unchanged (it has its own seed and options)."""
    if isinstance(name, BaseSampler):
        return name
    short, implied = _resolve(name)
    module, class_name = _CLASSES[short]
    cls = getattr(importlib.import_module(module, __package__), class_name)
    _check_options(cls, options)
    if short == "grid":
        if space is None:
            raise ValueError("sampler 'grid' needs the space to walk: pass space=...")
        return cls(space, **options)
    return cls(seed=seed, **{**implied, **options})


def _resolve(name: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(name, str):
        raise ValueError(f"sampler must be a name or a sampler object, got {name!r}")
    key = name.lower().removesuffix("sampler").replace("-", "").replace("_", "")
    if key in _CLASSES:
        return key, {}
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"unknown sampler {name!r}; hyperloom.samplers has: "
                     f"{', '.join(sorted(_CLASSES))} (also: {', '.join(sorted(_ALIASES))})")


def _check_options(cls: type, options: dict[str, Any]) -> None:
    accepted = set(inspect.signature(cls).parameters) - {"seed"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ValueError(f"{cls.__name__} has no option {unknown[0]!r}; its options are "
                         f"{', '.join(sorted(accepted)) or 'none'}")
