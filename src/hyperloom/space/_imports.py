"""Store Python classes and functions by import path, so spaces stay JSON (never pickle)."""

from __future__ import annotations

import importlib
import json
from typing import Any

IMPORT_KEY = "$import"


def import_path(obj: Any) -> str:
    return f"{obj.__module__}:{obj.__qualname__}"


def resolve_import(path: str) -> Any:
    """Import `pkg.mod:Name.attr` (or `pkg.mod.Name`) and return the object."""
    if ":" in path:
        module, _, attr = path.partition(":")
    else:
        module, _, attr = path.rpartition(".")
    try:
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot import {path!r}: {exc}") from None
    return obj


def encode_option(value: Any, where: str) -> Any:
    """The JSON form of an option: the value itself, or {"$import": path} for code objects."""
    if callable(value) and hasattr(value, "__qualname__") and hasattr(value, "__module__"):
        if "<" in value.__qualname__:
            raise ValueError(f"{where}: {value!r} is a lambda or a local object; only "
                             "module-level classes and functions can be stored (by import path)")
        return {IMPORT_KEY: import_path(value)}
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {value!r} is not JSON-serializable; use numbers, strings, "
                         "booleans, None, lists, dicts, or a module-level class/function") from None
    return value


def decode_option(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1 and IMPORT_KEY in value:
        return resolve_import(value[IMPORT_KEY])
    return value
