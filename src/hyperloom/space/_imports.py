"""Store Python classes and functions by import path, so spaces stay JSON (never pickle).

Reading stored data never imports anything: a stored path decodes to an inert `ImportRef`, which
turns back into the live object only when this process's own code passed that object in (an
objective's `suggest_categorical`, a space built in code). A user's dict option that would read
as a reference is wrapped in {"$literal": ...} when stored, so it comes back as the same dict.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

IMPORT_KEY = "$import"
LITERAL_KEY = "$literal"

# Live classes and functions that code in this process gave as options, by import path: the only
# objects a stored reference may turn back into.
_LIVE: dict[str, Any] = {}


class ImportRef:
    """A class or function named by its import path in stored data, kept inert (never imported)."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        if not isinstance(path, str):
            raise ValueError(f"ImportRef: `path` must be a string like 'pkg.mod:Name', got {path!r}")
        self.path = path

    def __repr__(self) -> str:
        return f"ImportRef({self.path!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is ImportRef and other.path == self.path

    def __hash__(self) -> int:
        return hash((ImportRef, self.path))

    def load(self) -> Any:
        """Import the module and return the object: this runs the module's top-level code, so call
        it only for a path you trust."""
        return resolve_import(self.path)


def import_path(obj: Any) -> str:
    return f"{obj.__module__}:{obj.__qualname__}"


def resolve_import(path: str) -> Any:
    """Import `pkg.mod:Name.attr` (or `pkg.mod.Name`) and return the object (runs module code)."""
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
    """The JSON form of an option: the value itself, {"$import": path} for code objects and
    references, or {"$literal": value} for a dict that would otherwise read as a marker."""
    if isinstance(value, ImportRef):
        return {IMPORT_KEY: value.path}
    if callable(value) and hasattr(value, "__qualname__") and hasattr(value, "__module__"):
        if "<" in value.__qualname__:
            raise ValueError(f"{where}: {value!r} is a lambda or a local object; only "
                             "module-level classes and functions can be stored (by import path)")
        path = import_path(value)
        _LIVE[path] = value
        return {IMPORT_KEY: path}
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {value!r} is not JSON-serializable; use numbers, strings, "
                         "booleans, None, lists, dicts, or a module-level class/function") from None
    return {LITERAL_KEY: value} if _reads_as_marker(value) else value


def _reads_as_marker(value: Any) -> bool:
    """True for a dict that decoding would take for a reference, an escape or a nested space."""
    if not isinstance(value, dict):
        return False
    return (len(value) == 1 and (IMPORT_KEY in value or LITERAL_KEY in value)) \
        or value.get("type") == "space"


def decode_option(value: Any) -> Any:
    """Inverse of `encode_option`, without importing: a stored path becomes an `ImportRef`."""
    if isinstance(value, dict) and len(value) == 1:
        if isinstance(value.get(IMPORT_KEY), str):
            return ImportRef(value[IMPORT_KEY])
        if LITERAL_KEY in value:
            return value[LITERAL_KEY]
    return value


def live_option(option: Any) -> Any:
    """The live object behind a reference when this process's code passed it in, else the option."""
    if isinstance(option, ImportRef):
        return _LIVE.get(option.path, option)
    return option
